"""Engine interfaces. Each engine has a real adapter and a file-backed one for tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from voice.audio import Audio
from voice.lipsync_types import MouthCue


class AudioSource(Protocol):
    """Frames of 16 kHz mono float32 audio, FRAME samples each, in real time or faster."""

    def frames(self) -> Iterator[Audio]: ...

    def close(self) -> None: ...


class AudioSink(Protocol):
    """Plays audio; `stop()` cuts playback short (barge-in) and may be called from another thread."""

    def play(self, audio: Audio) -> bool:
        """Play to the end (blocking); False when stopped early."""
        ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Recognition:
    text: str
    lang: str
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 1.0


class SpeechToText(Protocol):
    def transcribe(self, audio: Audio, languages: tuple[str, ...]) -> Recognition: ...

    def warm_up(self) -> None: ...


@dataclass(frozen=True)
class Speech:
    """Synthesized speech for one sentence and the mouth shapes that go with it."""

    audio: Audio
    cues: tuple[MouthCue, ...]


class TextToSpeech(Protocol):
    def synthesize(self, text: str, lang: str) -> Speech: ...

    def supports(self, lang: str) -> bool: ...
