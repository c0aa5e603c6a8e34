"""Clean up what a visitor typed or said, and tell which language it is in."""

from __future__ import annotations

import re
import unicodedata

from navigator.catalog.model import Lang

MAX_CHARS = 500  # a spoken question is far shorter; longer input is cut, not refused

_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


def clean(text: str) -> str:
    """NFKC, no control characters or emoji, single spaces, at most MAX_CHARS characters."""
    text = unicodedata.normalize("NFKC", text or "")
    kept = []
    for char in text[: MAX_CHARS * 2]:
        category = unicodedata.category(char)
        if category.startswith(("C", "So", "Sk")) or category == "Zl":
            kept.append(" ")
        else:
            kept.append(char)
    return re.sub(r"\s+", " ", "".join(kept)).strip()[:MAX_CHARS]


def detect_language(text: str, fallback: Lang = "ja") -> Lang:
    """ja for Japanese, easy_ja for spaced kana-only Japanese (やさしい日本語 style), en for Latin script."""
    kana, kanji, latin = len(_KANA.findall(text)), len(_KANJI.findall(text)), len(_LATIN.findall(text))
    if kana + kanji == 0:
        return "en" if latin or _HANGUL.search(text) else fallback
    if latin > 3 * (kana + kanji):
        return "en"
    if kanji == 0 and kana >= 6 and " " in text.strip():
        return "easy_ja"
    return "ja"

