"""Telling a real question from what Whisper invents on silence, noise or a cough.

Whisper was trained on subtitled videos; on audio without words it often writes a video's
closing line (「ご視聴ありがとうございました」, "Thanks for watching"), a subtitle credit, a
repetition loop, or echoes its prompt. :func:`is_hallucination` gives the reason a recognition
should be dropped, or None when it looks like real speech.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from voice.audio import FRAME, Audio
from voice.interfaces import Recognition

# Known Whisper hallucinations on silence / noise (YouTube closing lines and subtitle credits).
# Each entry is a regular expression over the normalized transcript (`_normalize`: NFKC, lower
# case, no spaces or punctuation), so width, case, spacing and punctuation never matter; spelling
# variants are written out as alternatives. It matches anywhere in a transcript at most
# ANYWHERE_MAX_EXTRA characters longer than the match. Add a line when a new one is seen in the
# field; do NOT add what a visitor may really say (「ありがとうございました」, "thank you" alone):
# those are left to the confidence checks.
PHRASES_ANYWHERE: tuple[str, ...] = (
    # Japanese
    r"ご(?:視聴|清聴|静聴|覧)(?:いただき|頂き)?(?:まして)?(?:誠に|本当に)?ありがとうございま(?:した|す)",
    r"最後までご(?:視聴|覧)",
    r"チャンネル登録",
    r"高評価",
    r"次回もお楽しみに",
    r"(?:また)?次の動画で",
    r"字幕",
    r"おやすみなさいませ",
    # English
    r"thank(?:s|you)(?:verymuch|somuch)?forwatching",
    r"(?:please|likeand|dontforgetto)subscribe",
    r"subscribetomychannel",
    r"seeyouinthenextvideo",
    r"(?:subtitles|subtitled|subs|captions|captioning|captioned|transcribed|transcription|translated)by",
    r"amaraorg",
    # Chinese (Whisper may pick it for noise when no language is forced)
    r"字幕由",
    r"请不吝点赞",
    r"订阅",
)
# Only a hallucination when it is the whole transcript (a visitor may say it inside a sentence).
PHRASES_ALONE: tuple[str, ...] = (
    "お疲れ様でした",
    "お疲れさまでした",
    "おつかれさまでした",
    "ご清聴ありがとう",
    "bye",
    "byebye",
    "you",
    "music",
    "音楽",
    "拍手",
    "笑",
)
WEB_ADDRESS = re.compile(r"www\.|https?://|\.(?:com|org|net|info)\b", re.IGNORECASE)  # nobody reads out URLs
LATIN_LANGUAGES = frozenset({"en", "fr", "de", "es", "it", "pt", "nl", "id", "vi", "tl", "ms"})
ANYWHERE_MAX_EXTRA = 24       # a known phrase inside a transcript at most this much longer
FILLERS_JA = re.compile(r"[んーあえうおぁぃぅぇぉっ]+")           # 「んんん」「えー」 and nothing else
FILLERS_EN = re.compile(r"(?:uh|um|umm|hmm|mm|ah|oh|eh|huh|h)+")

_KANA_FOLD = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}  # katakana → hiragana
_ANYWHERE = tuple(re.compile(pattern.translate(_KANA_FOLD)) for pattern in PHRASES_ANYWHERE)
_ALONE = frozenset(phrase.translate(_KANA_FOLD) for phrase in PHRASES_ALONE)

NO_SPEECH_PROB = 0.6          # Whisper's own "no speech" gate: no_speech_prob above this ...
LOW_LOGPROB = -1.0            # ... together with avg_logprob below this
VERY_LOW_LOGPROB = -2.0       # avg_logprob below this alone: Whisper is guessing
ECHO_NO_SPEECH_PROB = 0.5     # a piece of the prompt with no_speech_prob above this is an echo (real speech: < 0.35)
MAX_COMPRESSION = 2.4         # gzip ratio above which the text is a repetition loop (Whisper's threshold)
MIN_LEVEL = 0.005             # RMS (~ -46 dBFS) of the loudest 32 ms frames below which nobody spoke
LOUD_PERCENTILE = 95
MIN_SPEECH_RATIO = 0.05       # share of VAD speech frames below which the turn held no speech
MAX_CPS_CJK = 12.0            # Japanese/Chinese characters per second of audio a person can say
MAX_CPS_LATIN = 25.0          # letters per second (about 5 words a second)
MIN_SECONDS = 0.5             # durations are counted as at least this long


def is_hallucination(recognition: Recognition, audio: Audio, speech_ratio: float | None) -> str | None:
    """The reason to drop this recognition (no words, known phrase, low confidence, loop, silence...), or None.

    `speech_ratio` is the share of the audio the VAD marked as speech (None when unknown).
    """
    text = recognition.text.strip()
    norm = _normalize(text)
    if not norm:
        return "empty transcript" if not text else f"no words, only punctuation: {text!r}"
    if FILLERS_JA.fullmatch(norm) or FILLERS_EN.fullmatch(norm):
        return f"only filler sounds: {text!r}"
    phrase = known_phrase(norm)
    if phrase:
        return f"known Whisper phrase on silence or noise ({phrase!r}): {text!r}"
    if WEB_ADDRESS.search(text):
        return f"a web address, which visitors do not say: {text!r}"
    script = _wrong_script(norm, recognition.lang)
    if script:
        return f"{script}: {text!r}"
    if recognition.no_speech_prob > NO_SPEECH_PROB and recognition.avg_logprob < LOW_LOGPROB:
        return (f"probably no speech: no_speech_prob {recognition.no_speech_prob:.2f}, "
                f"avg_logprob {recognition.avg_logprob:.2f}: {text!r}")
    if recognition.avg_logprob < VERY_LOW_LOGPROB:
        return f"Whisper is guessing: avg_logprob {recognition.avg_logprob:.2f}: {text!r}"
    if recognition.compression_ratio > MAX_COMPRESSION or _looping(norm):
        return f"repetition loop (compression ratio {recognition.compression_ratio:.2f}): {text[:40]!r}"
    level = loud_level(audio)
    if level < MIN_LEVEL:
        return f"almost no sound (level {_dbfs(level):.0f} dBFS): {text!r}"
    if speech_ratio is not None and speech_ratio < MIN_SPEECH_RATIO:
        return f"almost no speech in the audio ({speech_ratio:.0%}): {text!r}"
    seconds = max(audio.seconds * (speech_ratio if speech_ratio is not None else 1.0), MIN_SECONDS)
    cjk = sum(1 for ch in norm if _is_cjk(ch))
    latin = len(norm) - cjk
    if cjk / seconds > MAX_CPS_CJK or latin / seconds > MAX_CPS_LATIN:
        return f"too much text for {audio.seconds:.1f} s of audio ({len(norm)} characters): {text[:40]!r}"
    return None


def known_phrase(norm: str) -> str | None:
    """The known hallucination phrase that `norm` (a `_normalize`d transcript) matches, or None."""
    folded = norm.translate(_KANA_FOLD)
    for pattern in _ANYWHERE:
        match = pattern.search(folded)
        if match and len(folded) <= len(match.group(0)) + ANYWHERE_MAX_EXTRA:
            return norm[match.start():match.end()]
    return norm if folded in _ALONE else None


def is_prompt_echo(text: str, prompt: str | None, no_speech_prob: float = 0.0) -> bool:
    """True when `text` only repeats the initial prompt.

    On silence or noise Whisper copies its prompt: several terms in the prompt's order
    (「町田市役所、住民票、粗大ごみ、」), or one term or a piece of one (「国民健康保」) while it
    thinks there is no speech. One term said clearly (「住民票」, low no_speech_prob) is a real question.
    """
    if not prompt:
        return False
    norm_text = _normalize(text)
    terms = [t for t in (_normalize(p) for p in re.split(r"[、,，。.\s]+", prompt)) if t]
    if not norm_text or not terms or norm_text not in "".join(terms):
        return False
    return sum(1 for t in terms if t in norm_text) >= 2 or no_speech_prob > ECHO_NO_SPEECH_PROB


def loud_level(audio: Audio) -> float:
    """RMS of the loudest 32 ms frames (the 95th percentile), so pauses do not hide a voice."""
    samples = np.asarray(audio.samples, dtype=np.float64)
    if samples.size == 0:
        return 0.0
    usable = samples.size - samples.size % FRAME
    if usable == 0:
        return float(np.sqrt(np.mean(samples**2)))
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, FRAME) ** 2, axis=1))
    return float(np.percentile(rms, LOUD_PERCENTILE))


def _wrong_script(norm: str, lang: str) -> str | None:
    """Why the writing does not fit the language: Chinese/Japanese characters decoded as English & co.

    (Seen on noise: English decoding copying Japanese prompt terms. The reverse, Latin text under
    "ja", is real: forced to Japanese, Whisper still writes an English speaker's words.)
    """
    cjk = sum(1 for ch in norm if _is_cjk(ch))
    if lang in LATIN_LANGUAGES and cjk > len(norm) / 2:
        return f"text in Chinese/Japanese characters for language {lang!r}"
    return None


def _normalize(text: str) -> str:
    """NFKC, lower case, without spaces, punctuation or symbols (letters, digits and marks stay)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNM")


def _looping(norm: str) -> bool:
    """A short unit (1-6 characters) repeated 4+ times in a row over most of the text (「字幕字幕字幕字幕」)."""
    if len(norm) < 8:
        return False
    match = max((m.group(0) for m in re.finditer(r"(.{1,6}?)\1{3,}", norm)), key=len, default="")
    return len(match) >= 0.6 * len(norm)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
            or 0xAC00 <= code <= 0xD7AF or 0xFF66 <= code <= 0xFF9F)


def _dbfs(level: float) -> float:
    return 20.0 * float(np.log10(max(level, 1e-10)))
