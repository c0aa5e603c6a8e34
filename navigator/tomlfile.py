"""Read TOML files people edit, and point errors at `FILE:LINE`.

tomllib gives values, not positions. This scanner follows table headers
(`[a.b]`, `[[a]]` with their array index) and `key = ...` lines, which is
enough to point a person at the right line of a hand-written file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _split_dotted(name: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in name.split("."))


def key_lines(text: str) -> dict[tuple, int]:
    """Map every table and key path to its 1-based line; array tables get their index.

    `[[cues]]` tables are addressed as ("cues", 0), ("cues", 1)...
    """
    lines: dict[tuple, int] = {}
    counters: dict[tuple, int] = {}
    current: tuple = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            path = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(path, -1) + 1
                counters[path] = index
                # Drop counters of sub-arrays that belonged to the previous element.
                for key in [k for k in counters if len(k) > len(path) and k[: len(path)] == path]:
                    del counters[key]
                current = _resolve(path, counters) + (index,)
            else:
                current = _resolve(path, counters)
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            path = current + _split_dotted(key.group(1))
            lines.setdefault(path, number)
            for i in range(len(current) + 1, len(path)):
                lines.setdefault(path[:i], number)
            if line.count('"""') == 1 or line.count("'''") == 1:
                in_multiline = True
    return lines


def _resolve(path: tuple, counters: dict[tuple, int]) -> tuple:
    """Insert array indexes for parent array tables: [[a]] then [a.b] means ("a", i, "b")."""
    resolved: tuple = ()
    for i, part in enumerate(path):
        resolved += (part,)
        prefix = path[: i + 1]
        if prefix in counters and i < len(path) - 1:
            resolved += (counters[prefix],)
    return resolved


def line_of(text: str, path: tuple) -> int | None:
    """Line of `path`, or of its nearest existing parent; None when nothing matches."""
    table = key_lines(text)
    path = tuple(path)
    while path:
        if path in table:
            return table[path]
        path = path[:-1]
    return None


def read_toml(path: Path, error: type[Exception]) -> tuple[dict, str]:
    """Parse a TOML file; raise `error` with `FILE:LINE: message` when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc), text)
        where = f"{path}:{line}" if line else str(path)
        reason = getattr(exc, "msg", None) or re.sub(r"\s*\(at (line|end).*\)$", "", str(exc))
        raise error(f"{where}: not valid TOML: {reason}") from None


def _line_from_message(message: str, text: str) -> int | None:
    """tomllib (Python 3.11) puts the place in its message: "(at line 3, column 7)" or "(at end of document)"."""
    found = re.search(r"at line (\d+)", message)
    if found:
        return int(found.group(1))
    return len(text.rstrip("\n").splitlines()) or 1 if "end of document" in message else None


def validation_lines(exc: ValidationError, path: Path, text: str, hint: str = "",
                     top_level: frozenset[str] = frozenset()) -> list[str]:
    """One `FILE:LINE: key = value: message` line per pydantic error.

    `top_level` names the file's top-level keys: one found inside a table is almost always a
    key written below a `[table]` header by mistake, and the message says how to fix it.
    """
    lines = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        line = line_of(text, loc)
        where = f"{path}:{line}" if line else str(path)
        key = ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden" and len(loc) > 1 and loc[-1] in top_level:
            table = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
            header = f"[[{table}]]" if any(isinstance(p, int) for p in loc) else f"[{table}]"
            message = (f"`{loc[-1]}` is written below the {header} header, so TOML puts it inside that table: "
                       "move it above the first [table] header of the file")
        elif error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling" + (f"; {hint}" if hint else "") + ")"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif not isinstance(error.get("input"), (dict, list)):
            key = f"{key} = {error['input']!r}"
        lines.append(f"{where}: {key}: {message}")
    return lines
