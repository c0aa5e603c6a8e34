"""UI wording from strings.toml (ja / en / easy_ja), never from code."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from navigator.errors import UserError

STRINGS_FILE = Path(__file__).with_name("strings.toml")
LANGUAGES = ("ja", "en", "easy_ja")


class Strings:
    """`strings.get("talk", "en")` → "◎ Talk"; missing easy_ja falls back to ja."""

    def __init__(self, table: dict[str, dict[str, str]], path: Path = STRINGS_FILE):
        self._table = table
        self._path = path

    def get(self, key: str, lang: str, **values: str) -> str:
        try:
            entry = self._table[key]
        except KeyError:
            raise UserError(f"{self._path}: no entry [{key}] (add it with ja/en/easy_ja)") from None
        text = entry.get(lang) or entry.get("ja") or next(iter(entry.values()))
        return text.format(**values) if values else text

    def keys(self) -> list[str]:
        return list(self._table)


@lru_cache(maxsize=4)
def load_strings(path: Path = STRINGS_FILE) -> Strings:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the UI strings ({exc})") from None
    for key, entry in table.items():
        if not isinstance(entry, dict) or not {"ja", "en"} <= set(entry):
            raise UserError(f"{path}: [{key}] needs at least ja and en")
    return Strings(table, path)
