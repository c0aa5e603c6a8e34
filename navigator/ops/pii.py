"""Personal data out of text before it is written anywhere: phone numbers, 12-digit My Number,
e-mail addresses, postal codes and street addresses, and the name after 「私は」 / "my name is".

`scrub(text)` returns the text with each find replaced by a tag such as ``[phone]``. It errs on the
side of removing too much: a log line that lost a number is fine, one that kept a person's is not.
"""

from __future__ import annotations

import re

_D = "[0-9０-９]"                       # half- and full-width digits
_SEP = r"[\-‐‑–—−－ー\s]?"              # an optional group separator
_DASH = r"[\-‐‑–—−－ー]"

# Starts only where a run of address characters starts, and bounded: linear time on any input.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}\s?[@＠]\s?[A-Za-z0-9\-]{1,63}"
                    r"(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
# My Number: 12 digits, often written 4-4-4 (checked before phone numbers, which are shorter).
_MY_NUMBER = re.compile(rf"(?<![0-9０-９]){_D}{{4}}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}(?![0-9０-９])")
# Japanese phone numbers: 0 + 9-10 more digits in up to three groups; +81 international form.
_PHONE = re.compile(
    rf"(?<![0-9０-９:])(?:\+81{_SEP}{_D}{{1,4}}|[0０]{_D}{{0,4}})[\-‐‑–—−－ー\s(（)）]{{0,2}}{_D}{{1,4}}"
    rf"[\-‐‑–—−－ー\s)）]{{0,2}}{_D}{{3,4}}(?![0-9０-９])")
_POSTAL = re.compile(rf"(?:〒\s*{_D}{{3}}{_DASH}?{_D}{{4}}|(?<![0-9０-９\-]){_D}{{3}}{_DASH}{_D}{{4}}(?![0-9０-９]|{_DASH}[0-9]))")
# A street address: a place name ending in 都道府県市区町村 (or 丁目), then block numbers.
_ADDRESS = re.compile(
    rf"[\u3005\u4e00-\u9fff\u30a0-\u30ffぁ-ん]{{0,12}}(?:都|道|府|県|市|区|町|村|丁目)"
    rf"[\u3005\u4e00-\u9fff\u30a0-\u30ffぁ-ん]{{0,10}}?{_D}+(?:(?:丁目|番地|番|号|{_DASH}|の){_D}*)+")
_EN_ADDRESS = re.compile(rf"\b\d{{1,4}}{_DASH}\d{{1,4}}(?:{_DASH}\d{{1,4}})?\s*,?\s+[A-Z][a-z]+(?:[\s,]+[A-Z][a-z\-]+)*")
# Names: 「私は山田です」「わたしの名前は田中花子と申します」, "my name is John Smith", "I'm Anna".
_JA_NAME = re.compile(
    r"((?:私|わたし|わたくし|僕|ぼく|俺|おれ|うち)(?:の名前|のなまえ)?(?:は|、)\s*)"
    r"([^\s、。,.!?！？「」がをにへでも]{1,12}?)(?=\s*(?:です|でございます|と申|といい|と言い|って言|だ[。よ]|といいます|。|、|$))")
_EN_NAME = re.compile(r"(?i)(\b(?:my name is|my name's|i am|i'm|this is)\s+)((?-i:[A-Z][\w'\-]+)(?:\s+(?-i:[A-Z][\w'\-]+))?)")

def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    international = match.group(0).startswith("+")
    return "[phone]" if (11 <= digits <= 12 if international else 10 <= digits <= 11) else match.group(0)


_QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.){1,400}'|"(?:[^"\\\n]|\\.){1,400}"|「[^」\n]{1,400}」""")
_CJK = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _looks_spoken(quoted: str) -> bool:
    inner = quoted[1:-1]
    return bool(_CJK.search(inner)) or len(inner.split()) >= 3


def drop_quoted_speech(text: str) -> str:
    """Quoted words a visitor may have said ('住民票がほしい', "how do I get..."), replaced by [speech].

    Used on log lines when transcripts must not be stored: engines quote what they heard in their
    messages (e.g. why an utterance was taken for noise). Short quoted names ('USB', 'pulse') stay.
    """
    return _QUOTED.sub(lambda m: "[speech]" if _looks_spoken(m.group(0)) else m.group(0), text)


MAX_CHARS = 20_000   # longer text is cut first: a log line needs no more, and scrubbing stays fast


def scrub(text: str) -> str:
    """`text` without personal data (see the module docstring)."""
    if not text:
        return text
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + f"…[{len(text) - MAX_CHARS} more characters cut]"
    text = _EMAIL.sub("[email]", text)
    text = _MY_NUMBER.sub("[my-number]", text)
    text = _PHONE.sub(_phone, text)
    text = _POSTAL.sub("[postal-code]", text)
    text = _ADDRESS.sub("[address]", text)
    text = _EN_ADDRESS.sub("[address]", text)
    text = _JA_NAME.sub(lambda m: m.group(1) + "[name]", text)
    return _EN_NAME.sub(lambda m: m.group(1) + "[name]", text)
