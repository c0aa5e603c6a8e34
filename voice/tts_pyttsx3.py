"""English and other languages through pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeech on macOS).

pyttsx3 speaks to a sound card or to a file; the kiosk needs buffers (the same audio drives
playback, lip-sync and video export), so each sentence is saved to a temporary WAV and read
back. Some drivers (SAPI5) finish writing after `runAndWait()` returns, so the file is polled
until it exists and its size stops changing. pyttsx3 keeps one engine per driver for the whole
process and is not thread-safe: it is created once and every use holds `_LOCK`.
Japanese never goes to espeak-ng (it reads kanji as "Chinese letter"); Japanese words inside
English text are dropped for it. Lip-sync comes from the audio envelope (no phonemes here).

This is the only module that imports pyttsx3.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pyttsx3

from voice.audio import RATE, Audio, AudioFileError, read_wav
from voice.interfaces import Speech
from voice.lipsync import cues_from_envelope
from voice.tts import (TtsError, TtsUnavailable, apply_gain, clean_for_speech, empty_speech, has_speakable, is_japanese,
                       normalize_english, strip_cjk)

_LOCK = threading.Lock()               # pyttsx3 has one engine per driver per process
_BASE_RATES: dict[int, int] = {}       # each engine's own rate, before any instance changed it
_CJK_LANGS = ("ja", "zh", "cmn", "yue", "ko")
# Which voice to prefer when several match; espeak-ng calls Mandarin "cmn".
_PREFERRED: dict[str, tuple[str, ...]] = {"en": ("en-us", "en-gb", "en"), "zh": ("cmn", "zh"), "pt": ("pt-br", "pt")}
# SAPI5 voices may carry no language code but say it in their name.
_NAMES = {"en": "english", "zh": "chinese", "ko": "korean", "ja": "japanese", "es": "spanish", "fr": "french",
          "de": "german", "pt": "portuguese", "vi": "vietnamese", "th": "thai", "id": "indonesian", "tl": "filipino"}


@dataclass(frozen=True)
class VoiceInfo:
    """One installed voice: its driver id, name and language codes (lower case, '-' separated)."""

    id: str
    name: str
    languages: tuple[str, ...]


def _norm(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def pick_voice(voices: list[VoiceInfo], lang: str) -> VoiceInfo | None:
    """The best voice for `lang`: exact language code, then a preferred variant (en → en-us),
    then any variant of the language (en-gb-scotland), then a name that says the language."""
    want = _norm(lang)
    base = want.split("-")[0]
    candidates = (want,) + _PREFERRED.get(base, ()) + (base,)
    for code in candidates:
        for voice in voices:
            if code in voice.languages:
                return voice
    variants = [v for v in voices if any(c.split("-")[0] in (base, *_PREFERRED.get(base, ())) for c in v.languages)]
    if variants:
        return min(variants, key=lambda v: min(len(c) for c in v.languages))
    name = _NAMES.get(base)
    if name:
        for voice in voices:
            if name in voice.name.lower():
                return voice
    return None


class _DropSavedMessage(io.TextIOBase):
    """stdout while pyttsx3 runs: its espeak driver prints "Audio saved to ..." for every file,
    which would corrupt machine-readable output. Everything else passes through."""

    def __init__(self, target: TextIO):
        self._target = target
        self._dropped = False

    def write(self, text: str) -> int:
        if text.startswith("Audio saved to "):
            self._dropped = True                 # print() writes the message, then "\n"
        elif self._dropped and text == "\n":
            self._dropped = False
        else:
            self._dropped = False
            self._target.write(text)
        return len(text)

    def flush(self) -> None:
        self._target.flush()


class Pyttsx3Tts:
    """TextToSpeech for English and the other languages of the installed pyttsx3 voices.

    speed: 1.0 = the driver's normal rate (espeak-ng and SAPI5: 200 words a minute), 0.5..2.0;
    volume: gain 0..2; voices: language → voice id to override the automatic choice;
    driver: pyttsx3 driver name (None: the platform's default); file_timeout_s: how long to wait
    for the WAV file to be complete.
    """

    def __init__(self, speed: float = 1.0, volume: float = 1.0, voices: Mapping[str, str] | None = None,
                 driver: str | None = None, file_timeout_s: float = 10.0):
        if not 0.5 <= speed <= 2.0:
            raise ValueError(f"speed {speed} is outside 0.5..2.0")
        if not 0.0 <= volume <= 2.0:
            raise ValueError(f"volume {volume} is outside 0.0..2.0")
        self.speed, self.volume, self.file_timeout_s = speed, volume, file_timeout_s
        self._overrides = {_norm(k): v for k, v in (voices or {}).items()}
        self._driver_name = driver
        self._engine: Any = None
        self._voices: list[VoiceInfo] = []
        self._base_rate = 200
        self._driver_kind = ""            # "espeak", "sapi5", "nsss", ...

    # -- the engine ----------------------------------------------------------------------------
    def _ensure_engine(self) -> Any:
        """Create the pyttsx3 engine once (call with _LOCK held)."""
        if self._engine is None:
            try:
                engine = pyttsx3.init(self._driver_name)
            except Exception as exc:  # missing espeak-ng library, no SAPI5, ...
                raise TtsError(f"pyttsx3 could not start its speech driver: {exc} "
                               "(on Debian/Ubuntu: apt-get install espeak-ng)") from exc
            self._driver_kind = _driver_kind(engine)
            self._voices = [VoiceInfo(str(v.id), str(v.name or ""), tuple(_norm(str(c)) for c in (v.languages or [])
                                      if isinstance(c, str)))
                            for v in engine.getProperty("voices")]
            self._base_rate = _BASE_RATES.setdefault(id(engine), int(engine.getProperty("rate") or 200))
            self._engine = engine
        return self._engine

    @property
    def driver(self) -> str:
        """The pyttsx3 driver in use (espeak, sapi5, nsss...); starts the engine."""
        with _LOCK:
            self._ensure_engine()
        return self._driver_kind

    def voice_for(self, lang: str) -> VoiceInfo | None:
        """The voice that would speak `lang`, or None."""
        with _LOCK:
            self._ensure_engine()
            return self._voice_for_locked(lang)

    def _voice_for_locked(self, lang: str) -> VoiceInfo | None:
        override = self._overrides.get(_norm(lang)) or self._overrides.get(_norm(lang).split("-")[0])
        if override:
            return next((v for v in self._voices if override in (v.id, v.name)), None)
        return pick_voice(self._voices, lang)

    def supports(self, lang: str) -> bool:
        """A voice exists for `lang`. Never Japanese (ja, easy_ja) on espeak-ng; on SAPI5/NSSpeech only
        with an installed Japanese voice."""
        try:
            with _LOCK:
                self._ensure_engine()
                if is_japanese(lang) and self._driver_kind == "espeak":
                    return False
                return self._voice_for_locked("ja" if is_japanese(lang) else lang) is not None
        except TtsError:
            return False

    def warm_up(self) -> None:
        """Start the driver and speak once, so the first visitor does not wait for it."""
        self.synthesize("Hello.", "en")

    # -- synthesis -------------------------------------------------------------------------------
    def synthesize(self, text: str, lang: str = "en") -> Speech:
        """Speech for one sentence: 16 kHz audio and mouth cues from its envelope."""
        if not self.supports(lang):
            raise TtsUnavailable(lang, f"pyttsx3 ({self._driver_kind or 'no driver'}) has no usable voice for it")
        writes_cjk = _norm(lang).split("-")[0] in _CJK_LANGS or is_japanese(lang)
        if _norm(lang).split("-")[0] == "en":
            spoken = normalize_english(text, drop_cjk=not writes_cjk)
        else:
            spoken = clean_for_speech(text) if writes_cjk else strip_cjk(clean_for_speech(text))
        if not has_speakable(spoken):
            return empty_speech()
        with tempfile.TemporaryDirectory(prefix="kiosk-tts-") as folder:
            path = Path(folder) / "speech.wav"
            with _LOCK:
                engine = self._ensure_engine()
                voice = self._voice_for_locked("ja" if is_japanese(lang) else lang)
                if voice is None:
                    raise TtsUnavailable(lang, "its voice has gone")
                rate = max(40, int(round(self._base_rate * self.speed)))
                # espeak-ng (asynchronous mode) resets the rate when the voice is set, a moment later:
                # rate, voice, rate is the order that applies the rate every time (measured).
                engine.setProperty("rate", rate)
                engine.setProperty("voice", voice.id)
                engine.setProperty("rate", rate)
                engine.setProperty("volume", 1.0)
                finished = threading.Event()
                token = engine.connect("finished-utterance", lambda **_: finished.set())
                try:
                    with _quiet_stdout():
                        engine.save_to_file(spoken, str(path))
                        engine.runAndWait()
                        self._wait_for_file(path, finished)
                finally:
                    engine.disconnect(token)
            try:
                audio = read_wav(path, RATE)
            except AudioFileError as exc:
                raise TtsError(f"pyttsx3 ({self._driver_kind}) wrote an unreadable file: {exc}") from None
        audio = Audio(apply_gain(audio.samples, self.volume, audio.rate), audio.rate)
        return Speech(audio, cues_from_envelope(audio))

    def _wait_for_file(self, path: Path, finished: threading.Event, poll_s: float = 0.005) -> None:
        """Return once the WAV at `path` is complete: its RIFF header counts every byte and, with
        espeak-ng (which synthesizes on its own thread, often after runAndWait() returned), the
        driver has said the utterance is finished; with other drivers, the size is stable."""
        deadline = time.monotonic() + self.file_timeout_s
        last_size = -1
        while time.monotonic() < deadline:
            size = _complete_wav_size(path)
            if size and (finished.is_set() if self._driver_kind == "espeak" else size == last_size):
                return
            last_size = size
            time.sleep(poll_s)
        state = f"{path.stat().st_size} bytes, incomplete" if path.exists() else "never created"
        raise TtsError(f"pyttsx3 ({self._driver_kind}) did not finish writing its WAV file within "
                       f"{self.file_timeout_s:g} s ({state})")


def _complete_wav_size(path: Path) -> int:
    """The file's size when it is a finished RIFF/WAVE file (header sizes filled in), else 0."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as file:
            header = file.read(12)
    except OSError:
        return 0
    complete = (size > 44 and header[:4] == b"RIFF" and header[8:12] == b"WAVE"
                and int.from_bytes(header[4:8], "little") == size - 8)
    return size if complete else 0


def _driver_kind(engine: Any) -> str:
    """espeak, sapi5, nsss, ...: the module name of the engine's driver."""
    try:
        return str(type(engine.proxy._driver).__module__).rsplit(".", 1)[-1]
    except AttributeError:  # pyttsx3 internals changed: guess from the platform
        return {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Hide pyttsx3's "Audio saved to" line; leave the rest of stdout alone."""
    original = sys.stdout
    if original is None:
        yield
        return
    sys.stdout = _DropSavedMessage(original)
    try:
        yield
    finally:
        sys.stdout = original
