"""The scene's spoken lines: synthesized with the kiosk's TTS, cached on disk by (text, language, voice).

A re-render or a preview reload then costs nothing for lines that did not change.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from navigator.scene.model import LineCue, LoadedScene, SceneError
from navigator.scene.timeline import Timeline, line_language, overlap_problems, resolve, spoken_text
from voice.audio import Audio
from voice.interfaces import Speech, TextToSpeech
from voice.lipsync_types import VISEMES, MouthCue

CACHE_VERSION = 1


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "machida-navigator" / "scene-tts"


def voice_id(tts: TextToSpeech, lang: str) -> str:
    """Which voice speaks `lang`: the engine class and its speed/volume settings."""
    engine = tts.engine_for(lang) if hasattr(tts, "engine_for") else tts
    settings = ",".join(f"{name}={getattr(engine, name)}" for name in ("speed", "volume", "half_tone")
                        if hasattr(engine, name))
    readings = getattr(engine, "pronunciations", None)   # a changed reading table changes the speech
    if readings:
        settings += ",readings=" + hashlib.sha256(repr(sorted(readings.items())).encode()).hexdigest()[:12]
    return f"{type(engine).__name__}({settings})"


def _key(text: str, lang: str, voice: str) -> str:
    return hashlib.sha256(f"{CACHE_VERSION}|{voice}|{lang}|{text}".encode()).hexdigest()[:32]


def _save(path: Path, speech: Speech) -> None:
    cues = speech.cues
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, samples=speech.audio.samples.astype(np.float32), rate=speech.audio.rate,
             starts=np.array([c.start_s for c in cues]), ends=np.array([c.end_s for c in cues]),
             visemes=np.array([VISEMES.index(c.viseme) for c in cues], dtype=np.int8),
             weights=np.array([c.weight for c in cues]))
    tmp.replace(path)


def _load(path: Path) -> Speech | None:
    try:
        with np.load(path) as data:
            cues = tuple(MouthCue(float(s), float(e), VISEMES[int(v)], float(w))
                         for s, e, v, w in zip(data["starts"], data["ends"], data["visemes"], data["weights"]))
            return Speech(Audio(data["samples"].astype(np.float32), int(data["rate"])), cues)
    except (OSError, KeyError, ValueError, IndexError):
        return None


def synthesize(tts: TextToSpeech, text: str, lang: str, folder: Path | None = None) -> Speech:
    """Speech for `text`, from the cache when the same voice said it before."""
    folder = folder or cache_dir()
    path = folder / f"{_key(text, lang, voice_id(tts, lang))}.npz"
    cached = _load(path) if path.exists() else None
    if cached is not None:
        return cached
    speech = tts.synthesize(text, lang)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _save(path, speech)
    except OSError:
        pass  # a read-only home only costs speed
    return speech


def synthesize_lines(loaded: LoadedScene, tts: TextToSpeech, folder: Path | None = None) -> dict[int, Speech]:
    """Speech for every line cue of the scene, by cue index."""
    spoken: dict[int, Speech] = {}
    for index, cue in enumerate(loaded.scene.cues):
        if isinstance(cue, LineCue):
            spoken[index] = synthesize(tts, spoken_text(cue), line_language(loaded, cue), folder)
    return spoken


def seconds_from(spoken: dict[int, Speech], loaded: LoadedScene):
    """A `line_seconds` function for `timeline.resolve` that uses the synthesized audio lengths."""
    by_identity = {id(cue): spoken[i].audio.seconds for i, cue in enumerate(loaded.scene.cues) if i in spoken}

    def line_seconds(cue: LineCue, lang: str) -> float:
        return by_identity[id(cue)]

    return line_seconds


def spoken_timeline(loaded: LoadedScene, tts: TextToSpeech,
                    folder: Path | None = None) -> tuple[dict[int, Speech], Timeline]:
    """The lines' speech (cached synthesis; TtsError without a voice) and the timeline with their real
    lengths; SceneError when cues then overlap."""
    spoken = synthesize_lines(loaded, tts, folder)
    timeline = resolve(loaded, seconds_from(spoken, loaded))
    problems = overlap_problems(loaded, timeline)
    if problems:
        raise SceneError(problems)
    return spoken, timeline
