"""Text-to-speech front: the engine per language, sentence splitting, and the text that gets read.

`SpeechRouter` sends Japanese (ja, easy_ja) to the Japanese engine (OpenJTalk) and every other
language to the other one (pyttsx3), and says clearly when no engine serves a language.
`split_sentences` cuts an answer so the pipeline can speak the first sentence while the next
ones are synthesized. The normalizers turn what is written for the eye (URLs, emoji, 8:30〜17:00,
042-722-3111) into what should be heard; they are shared by all engines and import none.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from voice.audio import Audio
from voice.interfaces import Speech, TextToSpeech


class TtsError(RuntimeError):
    """A speech engine failed to produce audio; the message says which and why."""


class TtsUnavailable(TtsError):
    """No configured speech engine can speak this language."""

    def __init__(self, lang: str, detail: str = ""):
        self.lang = lang
        super().__init__(f"no text-to-speech engine for language {lang!r}" + (f": {detail}" if detail else ""))


def is_japanese(lang: str) -> bool:
    """True for Japanese and やさしい日本語 codes: ja, ja-JP, ja_JP, easy_ja."""
    code = lang.strip().lower().replace("_", "-")
    return code == "easy-ja" or code.split("-")[0] == "ja"


def empty_speech() -> Speech:
    """What an engine returns for text with nothing to say."""
    return Speech(Audio.silence(0.0), ())


def apply_gain(samples: np.ndarray, volume: float, rate: int) -> np.ndarray:
    """Samples times `volume` (0..2 in the kiosk config), peak-limited to stay inside [-1, 1]."""
    samples = samples.astype(np.float32, copy=False)
    if volume != 1.0:
        samples = samples * np.float32(volume)
    return limit_peaks(samples, rate)


def limit_peaks(samples: np.ndarray, rate: int, ceiling: float = 0.98, release_s: float = 0.08) -> np.ndarray:
    """A look-ahead peak limiter: where the signal would pass `ceiling`, the gain dips just enough
    (reached 2.5 ms ahead of the peak, recovering over `release_s`); elsewhere it is untouched.
    OpenJTalk's output overshoots full scale on about one sentence in four (あいうえお: 2.2x)."""
    peak = float(np.abs(samples).max(initial=0.0))
    if peak <= ceiling:
        return samples
    block = max(1, int(0.0025 * rate))
    count = -(-len(samples) // block)
    padded = np.pad(np.abs(samples), (0, count * block - len(samples)))
    block_peaks = padded.reshape(count, block).max(axis=1)
    target = np.minimum(1.0, ceiling / np.maximum(block_peaks, 1e-9))
    ahead, behind = np.append(target[1:], target[-1]), np.insert(target[:-1], 0, target[0])
    target = np.minimum(target, np.minimum(ahead, behind))      # the dip starts a block early
    step = block / max(release_s * rate, 1.0)
    gain = np.empty(count)
    level = 1.0
    for i, wanted in enumerate(target.tolist()):
        level = wanted if wanted < level else min(wanted, level + step)
        gain[i] = level
    centres = np.arange(count) * block + block / 2
    per_sample = np.interp(np.arange(len(samples)), centres, gain)
    return np.clip(samples * per_sample, -1.0, 1.0).astype(np.float32)


# --- what must not be read aloud ---------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_SILENT_SYMBOLS = set("※＊*#＃→←↑↓⇒⇔▶►▼▲△▽◀•·●○◎◆◇■□★☆♪♫〒☎✓✔✅❗❓")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|「\s*」|『\s*』|\[\s*\]|【\s*】")


def clean_for_speech(text: str) -> str:
    """Drop what should not be read aloud: URLs, e-mail addresses, emoji, decorative symbols.

    Brackets such as 「」 and （） stay (engines treat them as short pauses or read
    their content); whitespace runs collapse to one space.
    """
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in _SILENT_SYMBOLS or category in ("So", "Cs", "Co", "Cn", "Sk") or (category == "Cf" and char != "\u00ad"):
            continue
        if category == "Mn" and ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"):
            continue  # emoji variation selectors
        kept.append(char)
    text = _EMPTY_BRACKETS.sub(" ", "".join(kept))
    return re.sub(r"\s+", " ", text).strip()


def has_speakable(text: str) -> bool:
    """True when some letter or digit is left to read."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


# --- Japanese: times, ranges, phone numbers, floors, addresses ----------------------------------

_DASH = r"\-‐‑–—−－"    # hyphen and its look-alikes, escaped for character classes
_TIME = r"(?<![\d:])([01]?\d|2[0-4]):([0-5]\d)(?![\d:])"
_TIME_RANGE = re.compile(_TIME + r"\s*[〜~" + _DASH + r"]\s*" + _TIME)
_SINGLE_TIME = re.compile(_TIME)
_PHONE = re.compile(r"(?<![\d" + _DASH + r"])(0\d{1,4})[" + _DASH + r"](\d{1,4})[" + _DASH + r"](\d{3,4})(?![\d" + _DASH + "])")
_JA_DIGITS = {"0": "ゼロ", "1": "イチ", "2": "ニー", "3": "サン", "4": "ヨン", "5": "ゴー",
              "6": "ロク", "7": "ナナ", "8": "ハチ", "9": "キュー"}
_JA_NUMBER_RANGE = re.compile(r"(?<=\d)\s*[〜~]\s*(?=\d)")
_JA_ADDRESS = re.compile(r"(?<=[\u3005\u4e00-\u9fff])(\d{1,4})[" + _DASH + r"](\d{1,4})(?:[" + _DASH + r"](\d{1,4}))?(?![\d" + _DASH + "])")
_FLOOR = re.compile(r"(?<![A-Za-z\d])(B?)(\d{1,2})\s*[Ff](?![A-Za-z])")
_EASY_FLOOR = re.compile(r"(\d{1,2})\s*かい")
_DATE = re.compile(r"(?<![\d/])(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])(?![\d/])")


def _phone_is_plausible(groups: tuple[str, ...]) -> bool:
    return 10 <= sum(len(g) for g in groups) <= 11


def _ja_phone(match: re.Match[str]) -> str:
    groups = match.groups()
    if not _phone_is_plausible(groups):
        return match.group(0)
    spoken = []
    for group in groups:
        digits = [_JA_DIGITS[d] for d in group]
        if digits[-1] in ("ニー", "ゴー"):  # the last digit before の is short: ゼロヨンニの
            digits[-1] = digits[-1][0]
        spoken.append("".join(digits))
    return "の、".join(spoken)


def _ja_time(hour: str, minute: str) -> str:
    return f"{int(hour)}時" + (f"{int(minute)}分" if int(minute) else "")


def normalize_japanese(text: str) -> str:
    """Japanese text as it should be read: 8:30〜17:00 → 8時30分から17時, 042-722-3111 →
    ゼロヨンニの、ナナニーニーの、サンイチイチイチ, 森野2-2-22 → 森野2の2の22, 1F → 1階,
    5/1 → 5月1日, (easy_ja) 1かい → 1階, after `clean_for_speech` and NFKC (full-width digits)."""
    text = unicodedata.normalize("NFKC", clean_for_speech(text))
    text = _PHONE.sub(_ja_phone, text)
    text = _TIME_RANGE.sub(lambda m: f"{_ja_time(m[1], m[2])}から{_ja_time(m[3], m[4])}", text)
    text = _SINGLE_TIME.sub(lambda m: _ja_time(m[1], m[2]), text)
    text = _JA_NUMBER_RANGE.sub("から", text)
    text = _JA_ADDRESS.sub(lambda m: "の".join(g for g in m.groups() if g), text)
    text = _FLOOR.sub(lambda m: ("地下" if m[1] else "") + f"{m[2]}階", text)
    text = _EASY_FLOOR.sub(r"\1階", text)  # やさしい日本語 writes 1階 as 1かい; OpenJTalk reads イチカイ
    return _DATE.sub(lambda m: f"{int(m[1])}月{int(m[2])}日", text)


# --- English ------------------------------------------------------------------------------------

_EN_AMPM = re.compile(r"\s*(?:[ap]\.?m\.?|noon|midnight)", re.IGNORECASE)
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
             8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth"}
_CJK = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+")


def _en_time(hour: str, minute: str) -> str:
    h, m = int(hour) % 24, int(minute)
    if (h, m) == (12, 0):
        return "noon"
    if (h, m) == (0, 0):
        return "midnight"
    clock = f"{(h - 1) % 12 + 1}" + (f":{minute}" if m else "")
    return f"{clock} {'a.m.' if h < 12 else 'p.m.'}"


def _en_times(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if _EN_AMPM.match(text, match.end()):
            return match.group(0)  # already says a.m./p.m.
        return _en_time(match[1], match[2])

    text = _TIME_RANGE.sub(lambda m: f"{m[1]}:{m[2]} to {m[3]}:{m[4]}", text)
    return _SINGLE_TIME.sub(one, text)


def strip_cjk(text: str) -> str:
    """Text without its Japanese/Chinese words (and the brackets they leave empty)."""
    return re.sub(r"\s+", " ", _EMPTY_BRACKETS.sub(" ", _CJK.sub(" ", text))).strip()


def normalize_english(text: str, drop_cjk: bool = True) -> str:
    """English text as it should be read: 8:30-17:00 → 8:30 a.m. to 5 p.m., 042-722-3111 →
    0 4 2, 7 2 2, 3 1 1 1, 1F → first floor, tel. → phone; with `drop_cjk`, Japanese words
    (which espeak-ng reads as "Chinese letter") are left out."""
    text = unicodedata.normalize("NFKC", clean_for_speech(text))
    if drop_cjk:
        text = strip_cjk(text)
    text = _PHONE.sub(lambda m: ", ".join(" ".join(g) for g in m.groups()) if _phone_is_plausible(m.groups()) else m[0], text)
    text = re.sub(r"([ap]\.m\.)\.", r"\1", _en_times(text))
    text = _FLOOR.sub(lambda m: (f"basement {m[2]}" if m[1] else f"{_ORDINALS.get(int(m[2]), m[2] + 'th')} floor"), text)
    text = re.sub(r"\btel\.\s*", "phone ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


# --- sentences ----------------------------------------------------------------------------------

_OPENERS = {"「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "［": "］", "[": "]", "“": "”"}
_TRAILERS = "。！？!?.…」』）)】］]”’\"'"   # taken along with a sentence end: 。」 or ?)
_ABBREVIATIONS = {"a.m", "p.m", "e.g", "i.e", "etc", "tel", "no", "nos", "mr", "mrs", "ms", "dr", "st", "approx",
                  "vs", "dept", "ave", "fig", "jr", "sr", "inc", "co", "ltd", "vol", "p", "pp"}


def _ends_sentence(text: str, i: int) -> bool:
    """Does the character at text[i] end a sentence?"""
    char = text[i]
    if char in "。！？":
        return True
    if char not in ".!?":
        return False
    j = i + 1
    while j < len(text) and text[j] in _TRAILERS:
        j += 1
    if j < len(text) and text[j].isascii() and not text[j].isspace():
        return False                     # 1.5, www.city.machida, Yahoo!Japan
    if char == ".":
        word = re.search(r"([A-Za-z.]+)$", text[:i])
        if word and word.group(1).lower().strip(".") in _ABBREVIATIONS:
            return False                 # a.m., tel., e.g.
        if word and len(word.group(1)) == 1 and word.group(1).isupper():
            return False                 # an initial: J. Smith
    return True


def _long_enough(sentence: str) -> bool:
    """Long enough to stand alone: 4+ characters of Japanese, or 3+ words otherwise."""
    if _CJK.search(sentence):
        return len(re.sub(r"[\s。、！？!?「」『』（）()]", "", sentence)) >= 4
    return len(sentence.split()) >= 3


def _join(left: str, right: str) -> str:
    cjk = _CJK.search(left[-1:]) or _CJK.search(right[:1]) or left[-1:] in "。！？、」』）"
    return f"{left}{'' if cjk else ' '}{right}"


def split_sentences(text: str, lang: str = "ja") -> list[str]:
    """Split at 。！？ (and at . ! ? before a space or the end), never inside brackets that
    close; pieces too short to stand alone (「はい。」, "Yes.") are joined to the next one (the
    last to the previous one). Never returns empty strings. The rules hold for mixed
    Japanese/English text, so `lang` only documents the caller's intent."""
    del lang
    pieces: list[str] = []
    closers: list[str] = []
    start = i = 0
    while i < len(text):
        char = text[i]
        if char in _OPENERS and text.find(_OPENERS[char], i + 1) != -1:
            closers.append(_OPENERS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "\n" and not closers:
            pieces.append(text[start:i])
            start = i + 1
        elif not closers and _ends_sentence(text, i):
            j = i + 1
            while j < len(text) and text[j] in _TRAILERS:
                j += 1
            pieces.append(text[start:j])
            start = i = j
            continue
        i += 1
    pieces.append(text[start:])

    sentences: list[str] = []
    pending = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        pending = _join(pending, piece) if pending else piece
        if _long_enough(pending):
            sentences.append(pending)
            pending = ""
    if pending:
        sentences.append(_join(sentences.pop(), pending) if sentences else pending)
    return sentences


# --- the router ---------------------------------------------------------------------------------

class SpeechRouter:
    """A TextToSpeech that picks the engine by language: ja/easy_ja → `japanese`, others → `other`."""

    def __init__(self, japanese: TextToSpeech | None, other: TextToSpeech | None):
        self.japanese = japanese
        self.other = other

    def engine_for(self, lang: str) -> TextToSpeech:
        """The engine that speaks `lang`; TtsUnavailable when none is configured or able."""
        japanese = is_japanese(lang)
        engine = self.japanese if japanese else self.other
        if engine is None:
            role = "Japanese" if japanese else "non-Japanese"
            raise TtsUnavailable(lang, f"no {role} voice is configured ([tts] {'japanese' if japanese else 'other'} = \"none\")")
        if not engine.supports(lang):
            raise TtsUnavailable(lang, f"{type(engine).__name__} has no voice for it")
        return engine

    def supports(self, lang: str) -> bool:
        try:
            self.engine_for(lang)
        except TtsUnavailable:
            return False
        return True

    def synthesize(self, text: str, lang: str) -> Speech:
        """Speech for `text` from the engine for `lang` (TtsUnavailable when there is none)."""
        return self.engine_for(lang).synthesize(text, lang)

    def warm_up(self) -> None:
        """Load every configured engine (dictionaries, voices) before the first visitor."""
        for engine in {id(e): e for e in (self.japanese, self.other) if e is not None}.values():
            warm = getattr(engine, "warm_up", None)
            if callable(warm):
                warm()


FIRST_CHUNK_CHARS = 14  # a first part about this long synthesizes in ~0.1 s (OpenJTalk: ~63 ms per second of speech)


def speaking_chunks(sentences: list[str] | tuple[str, ...], lang: str = "ja") -> list[str]:
    """The sentences as they should be synthesized: the first one split at its first pause
    (、 or , ) when that pause comes early, so the kiosk starts speaking sooner.

    Speech-synthesis time grows with the sentence (a 4.7 s sentence takes ~0.3 s); the listener
    hears the comma as a pause either way.
    """
    chunks = [s for s in sentences if s.strip()]
    if not chunks:
        return []
    first = chunks[0]
    pause = re.search(r"[、，,]\s*", first)
    if pause and 4 <= pause.end() <= 3 * FIRST_CHUNK_CHARS and len(first) - pause.end() >= 6:
        return [first[: pause.end()].strip(), first[pause.end() :].strip(), *chunks[1:]]
    return chunks
