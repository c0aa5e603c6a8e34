"""Japanese speech through OpenJTalk (pyopenjtalk-plus), with lip-sync from its phonemes.

Text → `normalize_japanese` (times, phone numbers, URLs...) → the Machida pronunciation
table (`pronunciations.toml`) → HTS full-context labels → 48 kHz speech → 16 kHz Audio.

Phoneme timing: pyopenjtalk's Python API returns only samples, but the hts_engine C library
inside its extension module exports its API (on Linux and macOS builds). A second, private
HTS_Engine loaded with the same voice computes the state durations for the same labels and
speed (`HTS_Engine_generate_state_sequence_from_strings`, well under 10 ms, no waveform);
they add up to exactly the number of samples pyopenjtalk returns, which is checked. Where
the symbols are not reachable (Windows wheels export none) or the check fails, phonemes are
aligned to the audio instead (`voice.lipsync.align_phonemes`).

This is the only module that imports pyopenjtalk.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pyopenjtalk
from pyopenjtalk import htsengine

from voice.audio import RATE, Audio
from voice.interfaces import Speech
from voice.lipsync import align_phonemes, cues_from_phonemes, phonemes_from_labels, timed_phonemes, voiced_regions
from voice.tts import TtsError, TtsUnavailable, apply_gain, empty_speech, has_speakable, is_japanese, normalize_japanese

log = logging.getLogger(__name__)

PRONUNCIATIONS = Path(__file__).with_name("pronunciations.toml")
INT16_SCALE = 1.0 / 32768.0          # pyopenjtalk returns float64 samples in int16 range
Timing = Literal["auto", "engine", "estimate"]


# --- pronunciations ------------------------------------------------------------------------------

def load_pronunciations(path: Path | str = PRONUNCIATIONS, lang: str = "ja") -> dict[str, str]:
    """The surface → reading table for `lang` from a TOML file (keys NFKC-normalized like the text)."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TtsError(f"{path}: cannot read the pronunciation table: {exc}") from None
    table = data.get(lang, {})
    if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in table.items()):
        raise TtsError(f"{path}: [{lang}] must map words to readings, e.g. \"大蔵町\" = \"オークラマチ\"")
    return {unicodedata.normalize("NFKC", k): v for k, v in table.items()}


def apply_pronunciations(text: str, table: Mapping[str, str]) -> str:
    """Replace every table word by its reading, longest words first, never inside a replacement."""
    if not table:
        return text
    words = sorted(table, key=len, reverse=True)
    out, i = [], 0
    while i < len(text):
        for word in words:
            if text.startswith(word, i):
                out.append(table[word])
                i += len(word)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# --- phoneme durations from hts_engine's C API ------------------------------------------------------

class _HtsDurations:
    """A private HTS_Engine (same voice as pyopenjtalk's) that only computes phoneme durations."""

    _ENGINE_BYTES = 1 << 16   # sizeof(HTS_Engine) is well under 1 KiB; the struct stays opaque here

    def __init__(self, library: str, voice: bytes):
        lib = ctypes.CDLL(library)
        c_engine, size = ctypes.c_void_p, ctypes.c_size_t
        lines = ctypes.POINTER(ctypes.c_char_p)
        for name, restype, argtypes in (
            ("HTS_Engine_initialize", None, [c_engine]),
            ("HTS_Engine_load", ctypes.c_char, [c_engine, lines, size]),
            ("HTS_Engine_set_speed", None, [c_engine, ctypes.c_double]),
            ("HTS_Engine_generate_state_sequence_from_strings", ctypes.c_char, [c_engine, lines, size]),
            ("HTS_Engine_get_nstate", size, [c_engine]),
            ("HTS_Engine_get_total_state", size, [c_engine]),
            ("HTS_Engine_get_state_duration", size, [c_engine, size]),
            ("HTS_Engine_get_fperiod", size, [c_engine]),
            ("HTS_Engine_get_sampling_frequency", size, [c_engine]),
            ("HTS_Engine_refresh", None, [c_engine]),
            ("HTS_Engine_clear", None, [c_engine]),
        ):
            function = getattr(lib, name)   # AttributeError when the build exports no C API
            function.restype, function.argtypes = restype, argtypes
        self._lib = lib
        self._engine = ctypes.create_string_buffer(self._ENGINE_BYTES)
        self._lock = threading.Lock()
        lib.HTS_Engine_initialize(self._engine)
        if lib.HTS_Engine_load(self._engine, (ctypes.c_char_p * 1)(voice), 1) != b"\x01":
            raise OSError(f"hts_engine cannot load the voice {voice!r}")
        self.fperiod = int(lib.HTS_Engine_get_fperiod(self._engine))
        self.rate = int(lib.HTS_Engine_get_sampling_frequency(self._engine))
        self._nstate = int(lib.HTS_Engine_get_nstate(self._engine))

    def phoneme_samples(self, labels: Sequence[str], speed: float) -> list[int]:
        """Duration of each label's phoneme in samples at `self.rate` (what pyopenjtalk would synthesize)."""
        array = (ctypes.c_char_p * len(labels))(*(label.encode("utf-8") for label in labels))
        lib, engine = self._lib, self._engine
        with self._lock:
            lib.HTS_Engine_set_speed(engine, float(speed))
            try:
                if lib.HTS_Engine_generate_state_sequence_from_strings(engine, array, len(labels)) != b"\x01":
                    raise OSError("hts_engine could not make the state sequence")
                states = int(lib.HTS_Engine_get_total_state(engine))
                frames = [int(lib.HTS_Engine_get_state_duration(engine, i)) for i in range(states)]
            finally:
                lib.HTS_Engine_refresh(engine)
        if states != len(labels) * self._nstate:
            raise OSError(f"hts_engine made {states} states for {len(labels)} labels")
        per_phoneme = np.asarray(frames).reshape(len(labels), self._nstate).sum(axis=1)
        return [int(n) * self.fperiod for n in per_phoneme]

    def __del__(self) -> None:
        try:
            self._lib.HTS_Engine_clear(self._engine)
        except Exception:  # interpreter shutdown
            pass


_durations: _HtsDurations | None = None
_durations_failed = False
_durations_lock = threading.Lock()


def _engine_durations() -> _HtsDurations | None:
    """The shared duration engine, or None when this pyopenjtalk build does not expose hts_engine."""
    global _durations, _durations_failed
    with _durations_lock:
        if _durations is None and not _durations_failed:
            try:
                _durations = _HtsDurations(htsengine.__file__, pyopenjtalk.DEFAULT_HTS_VOICE)
            except (OSError, AttributeError) as exc:
                _durations_failed = True
                log.info("OpenJTalk phoneme durations unavailable (%s); aligning phonemes to the audio", exc)
        return _durations


# --- the engine ---------------------------------------------------------------------------------

class OpenJTalkTts:
    """TextToSpeech for Japanese (ja, easy_ja): OpenJTalk's mei voice, 16 kHz, phoneme lip-sync.

    speed: 1.0 normal (0.5..2.0); half_tone: pitch shift in semitones; volume: gain (0..2).
    lead_silence_s / tail_silence_s: OpenJTalk puts ~0.3 s of silence before and after each
    sentence; at most this much is kept (None keeps all), so speech starts sooner and
    sentences follow each other naturally. timing: "auto" (engine durations when reachable),
    "engine" (required), or "estimate" (always align to the audio).
    """

    def __init__(self, speed: float = 1.0, half_tone: float = 0.0, volume: float = 1.0,
                 pronunciations: Mapping[str, str] | Path | str | None = PRONUNCIATIONS,
                 lead_silence_s: float | None = 0.05, tail_silence_s: float | None = 0.25,
                 timing: Timing = "auto"):
        if not 0.5 <= speed <= 2.0:
            raise ValueError(f"speed {speed} is outside 0.5..2.0")
        if not 0.0 <= volume <= 2.0:
            raise ValueError(f"volume {volume} is outside 0.0..2.0")
        self.speed, self.half_tone, self.volume = speed, half_tone, volume
        if pronunciations is None:
            self.pronunciations: dict[str, str] = {}
        elif isinstance(pronunciations, (str, Path)):
            self.pronunciations = load_pronunciations(pronunciations)
        else:
            self.pronunciations = {unicodedata.normalize("NFKC", k): v for k, v in pronunciations.items()}
        self.lead_silence_s, self.tail_silence_s = lead_silence_s, tail_silence_s
        self.timing: Timing = timing
        self.last_timing: Literal["engine", "estimate", ""] = ""   # how the last cues were timed
        if timing == "engine" and _engine_durations() is None:
            raise TtsError("OpenJTalk phoneme durations are not available from this pyopenjtalk build")

    def supports(self, lang: str) -> bool:
        return is_japanese(lang)

    def warm_up(self) -> None:
        """Load the dictionary, the voice and the duration engine (~0.1 s) before the first visitor."""
        self.synthesize("はい。", "ja")

    def reading_text(self, text: str) -> str:
        """The text OpenJTalk is given: normalized, with the Machida readings applied."""
        return apply_pronunciations(normalize_japanese(text), self.pronunciations)

    def synthesize(self, text: str, lang: str = "ja") -> Speech:
        """Speech for one sentence of Japanese: 16 kHz audio and mouth cues covering all of it."""
        if not self.supports(lang):
            raise TtsUnavailable(lang, "OpenJTalk speaks Japanese only")
        reading = self.reading_text(text)
        if not has_speakable(reading):
            return empty_speech()
        try:
            labels = pyopenjtalk.extract_fullcontext(reading)
            if len(labels) < 3:  # sil ... sil around nothing
                return empty_speech()
            wave, rate = pyopenjtalk.synthesize(labels, speed=self.speed, half_tone=self.half_tone)
        except Exception as exc:  # the C extension raises RuntimeError/ValueError on odd input
            raise TtsError(f"OpenJTalk could not synthesize {text[:40]!r}: {exc}") from exc
        phonemes = phonemes_from_labels(labels)
        durations = self._durations(labels, len(wave), rate)
        samples = (wave * INT16_SCALE).astype(np.float32)
        if durations is not None:
            self.last_timing = "engine"
            start, end = self._trim_bounds(phonemes, durations, rate)
            timed = timed_phonemes(phonemes, [d / rate for d in durations], offset_s=-start / rate)
            audio = Audio(samples[start:end], rate).resampled(RATE)
        else:
            self.last_timing = "estimate"
            audio = self._trim_by_energy(Audio(samples, rate).resampled(RATE))
            timed = align_phonemes(phonemes, audio)
        audio = Audio(apply_gain(audio.samples, self.volume, audio.rate), audio.rate)
        return Speech(audio, cues_from_phonemes(timed, audio.seconds))

    # -- helpers ---------------------------------------------------------------------------------
    def _durations(self, labels: list[str], samples: int, rate: int) -> list[int] | None:
        """Per-phoneme durations in samples from hts_engine, or None (then align to the audio)."""
        if self.timing == "estimate":
            return None
        engine = _engine_durations()
        if engine is None:
            return None
        try:
            durations = engine.phoneme_samples(labels, self.speed)
        except OSError as exc:
            log.warning("OpenJTalk durations failed (%s); aligning phonemes to the audio", exc)
            return None
        if engine.rate != rate or sum(durations) != samples:
            log.warning("OpenJTalk durations (%d samples at %d Hz) do not match the audio (%d at %d Hz)",
                        sum(durations), engine.rate, samples, rate)
            return None
        return durations

    def _trim_bounds(self, phonemes: list[str], durations: list[int], rate: int) -> tuple[int, int]:
        """Sample range to keep: the leading/trailing sil cut to lead_silence_s/tail_silence_s."""
        total = sum(durations)
        start, end = 0, total
        if self.lead_silence_s is not None and phonemes[0] == "sil":
            start = max(0, durations[0] - int(self.lead_silence_s * rate))
        if self.tail_silence_s is not None and phonemes[-1] == "sil":
            end = min(total, total - durations[-1] + int(self.tail_silence_s * rate))
        return start, max(start, end)

    def _trim_by_energy(self, audio: Audio) -> Audio:
        """Without durations: cut the silence around the speech to lead_silence_s/tail_silence_s."""
        regions = voiced_regions(audio)
        if not regions:
            return audio
        start_s = 0.0 if self.lead_silence_s is None else max(0.0, regions[0][0] - self.lead_silence_s)
        end_s = audio.seconds if self.tail_silence_s is None else min(audio.seconds, regions[-1][1] + self.tail_silence_s)
        return Audio(audio.samples[int(start_s * audio.rate): int(round(end_s * audio.rate))], audio.rate)
