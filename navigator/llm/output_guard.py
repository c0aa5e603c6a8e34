"""Facts in the model's words must appear in the catalog entries it was given.

Checked per sentence, before a visitor sees or hears it: web addresses, phone numbers, yen
amounts and "free of charge", floors (N階 / NF / Nth floor), dates, and any other number
(14日以内, 204番窓口, 8:30). A sentence with a fact that is not in the entries is dropped; the
caller falls back to the grounded template answer when nothing usable is left. Words aimed
at the system and off-topic requests are stopped earlier, by navigator.brain.guard.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUMBER = "[〇零一二三四五六七八九十百千万]+"
_UNIT_AFTER_KANJI = r"(?=円|階|日|時|分|番|歳|才|年|か月|ヶ月|カ月|週間|人|件|枚|通)"

_A, _Z = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"   # word edges that also hold next to kana/kanji
_URL = re.compile(r"(?:https?://|www\.)[^\s、。，」）)\]>\"']+"
                  r"|(?<![A-Za-z0-9-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:jp|com|net|org|info|io|co|tokyo)(?![a-z0-9-])(?:/[^\s、。，」）)\]>\"']*)?"
                  r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PHONE = re.compile(r"(?:\+81[\s-]?|(?<!\d)0)\d{1,4}[\s\-‐−ー－()（）]{1,2}\d{1,4}[\s\-‐−ー－)）]{1,2}\d{3,4}(?!\d)"
                    r"|(?<!\d)0\d{9,10}(?!\d)")
_YEN = re.compile(rf"([\d,]+(?:\.\d+)?)\s*(万)?\s*(?:円|yen\b)|[¥￥]\s*([\d,]+)|({_KANJI_NUMBER})円", re.IGNORECASE)
_YEN_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand)\b[\w\s-]{0,20}\byen\b",
                        re.IGNORECASE)
_FREE = re.compile(r"無料|タダ|ただで|\bfree of charge\b|\bfor free\b|\bno charge\b|\bis free\b|\bcosts nothing\b",
                   re.IGNORECASE)
_FLOOR = re.compile(rf"(地下\s*)?(\d+|{_KANJI_NUMBER})\s*(?:階|かい)|{_A}(B?)(\d+)\s*F{_Z}"
                    r"|\b(\d+)(?:st|nd|rd|th)\s+floor\b|\bfloor\s+(\d+)\b|\bbasement\b", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|(\d{1,2})\s*月\s*(\d{1,2})\s*日"
                   r"|(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)|(令和|平成|昭和)\s*(\d+|元)\s*年"
                   r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b", re.IGNORECASE)
_DAY = re.compile(r"[月火水木金土日]曜|土日|祝日|祭日|休日|平日|年末年始"
                  r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\bweekends?\b|\bweekdays?\b|\bholidays?\b",
                  re.IGNORECASE)
_NUMBER = re.compile(rf"\d[\d,]*|{_KANJI_NUMBER}{_UNIT_AFTER_KANJI}")
_COUNT = re.compile(r"(?<!\d)(?:10|[1-9])\s*(?:つ|点|種類|通り|ways?|things?|options?|steps?|items?|kinds?)(?![A-Za-z])",
                    re.IGNORECASE)  # 「2つの方法」: counting what the sentence itself lists, not a fact
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def normalize(text: str) -> str:
    """Full-width digits and letters as ASCII (０４２ → 042), one form for every check."""
    return unicodedata.normalize("NFKC", text)


def kanji_number(text: str) -> int | None:
    """三百 → 300, 二千五百 → 2500, 1万 is handled by the caller; None when not a number."""
    total, section, digit = 0, 0, None
    for char in text:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        elif char in _KANJI_UNITS:
            section += (digit if digit is not None else 1) * _KANJI_UNITS[char]
            digit = None
        elif char == "万":
            total += (section + (digit or 0) or 1) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _url_key(url: str) -> str:
    url = url.lower().rstrip("/.,")
    url = re.sub(r"^https?://", "", url)
    return url.removeprefix("www.").rstrip("/")


def _yen_values(text: str) -> set[int]:
    values = set()
    for match in _YEN.finditer(text):
        digits, man, sign, kanji = match.groups()
        if kanji:
            value = kanji_number(kanji)
        else:
            raw = (digits or sign or "").replace(",", "")
            try:
                value = int(float(raw) * (10000 if man else 1))
            except ValueError:
                continue
        if value is not None:
            values.add(value)
    return values


def _floors(text: str) -> set[str]:
    floors = set()
    for match in _FLOOR.finditer(text):
        under, ja_number, basement, f_number, ordinal, plain = match.groups()
        if match.group(0).lower() == "basement":
            floors.add("B")
            continue
        number = ja_number or f_number or ordinal or plain
        value = int(number) if number.isdigit() else kanji_number(number)
        floors.add(("B" if under or basement else "") + f"{value}F")
    return floors


def _dates(text: str) -> set[str]:
    return {"-".join(part for part in match.groups() if part).lower() for match in _DATE.finditer(text)}


_DAY_KEYS = {"土日": "weekend", "weekend": "weekend", "weekends": "weekend", "平日": "weekday", "weekday": "weekday",
             "weekdays": "weekday", "祝日": "holiday", "祭日": "holiday", "休日": "holiday", "holiday": "holiday",
             "holidays": "holiday", "年末年始": "new-year"}
_DAY_NAMES = {"月": "mon", "火": "tues", "水": "wednes", "木": "thurs", "金": "fri", "土": "satur", "日": "sun"}


def _days(text: str) -> set[str]:
    """Day words in one form across languages: 土曜 and Saturday are both "satur"."""
    days = set()
    for word in _DAY.findall(text):
        word = word.lower()
        if word in _DAY_KEYS:
            days.add(_DAY_KEYS[word])
        elif word.endswith("曜"):
            days.add(_DAY_NAMES[word[0]])
        else:
            days.add(word.removesuffix("s").removesuffix("day"))
    return days


def _numbers(text: str) -> set[str]:
    found = set()
    for token in _NUMBER.findall(text):
        if token[0].isdigit():
            plain = token.replace(",", "")
            found.add(plain.lstrip("0") or "0")
            found.update(part.lstrip("0") or "0" for part in token.split(",") if part)
        else:
            value = kanji_number(token)
            if value is not None:
                found.add(str(value))
    return found


@dataclass(frozen=True)
class Facts:
    """The checkable facts of a text (the catalog entries given to the model)."""

    urls: frozenset[str]
    phones: frozenset[str]
    yen: frozenset[int]
    free: bool
    floors: frozenset[str]
    dates: frozenset[str]
    days: frozenset[str]            # 土曜, 祝日, weekend...: opening days are facts too
    numbers: frozenset[str]

    @classmethod
    def of(cls, text: str) -> "Facts":
        text = normalize(text)
        yen = frozenset(_yen_values(text))
        return cls(urls=frozenset(_url_key(u) for u in _URL.findall(text)),
                   phones=frozenset(_digits(p).replace("81", "0", 1) if p.startswith("+") else _digits(p)
                                    for p in _PHONE.findall(text)),
                   yen=yen, free=bool(_FREE.search(text)) or 0 in yen,
                   floors=frozenset(_floors(text)), dates=frozenset(_dates(text)),
                   days=frozenset(_days(text)),
                   numbers=frozenset(_numbers(text)))


class OutputGuard:
    """Checks the model's sentences against the entries it was given (and the visitor's own numbers)."""

    def __init__(self, facts_text: str, question: str = ""):
        self.allowed = Facts.of(facts_text)
        self._question_numbers = _numbers(normalize(question))

    def problems(self, sentence: str, lang: str) -> list[str]:
        """What is wrong with `sentence` (empty when it may be shown and spoken)."""
        text = normalize(sentence)
        found = Facts.of(text)
        allowed = self.allowed
        problems = [f"url {u}" for u in found.urls - allowed.urls]
        problems += [f"phone {p}" for p in found.phones - allowed.phones]
        problems += [f"fee {y}" for y in found.yen - allowed.yen]
        if _YEN_WORDS.search(text):
            problems.append("fee in words")
        if found.free and not allowed.free:
            problems.append("free of charge")
        problems += [f"floor {f}" for f in found.floors - allowed.floors]
        problems += [f"date {d}" for d in found.dates - allowed.dates]
        problems += [f"day {d}" for d in found.days - allowed.days]
        counted = _numbers(_COUNT.sub("", text))
        problems += [f"number {n}" for n in counted - allowed.numbers - self._question_numbers]
        if not _language_ok(_URL.sub("", text), lang):
            problems.append(f"not in {lang}")
        return problems


def _language_ok(text: str, lang: str) -> bool:
    latin, japanese = len(_LATIN.findall(text)), len(_JAPANESE.findall(text))
    if lang in ("ja", "easy_ja"):
        return japanese > 0 and latin <= 2 * japanese   # 「QRコード」 is fine, an English sentence is not
    return latin > 0 and japanese <= latin / 2


ECHO_CHARS = 30  # a run this long copied from the instructions is the prompt leaking out


def echoes(sentence: str, instructions: str, length: int = ECHO_CHARS) -> bool:
    """True when `sentence` repeats a stretch of the model's instructions (a prompt leak)."""
    squeeze = lambda text: re.sub(r"\s+", " ", normalize(text)).lower()  # noqa: E731
    sentence, instructions = squeeze(sentence), squeeze(instructions)
    return any(sentence[i : i + length] in instructions for i in range(0, max(1, len(sentence) - length + 1)))
