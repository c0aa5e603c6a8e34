"""What the voice pipeline reports, as small frozen dataclasses (one kind of event per stage).

Errors carry a stable `code` (ErrorCode) that UIs and logs can rely on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from voice.audio import Audio
from voice.lipsync_types import MouthCue


class ErrorCode(str, Enum):
    """Stable error codes, after Home Assistant's assist pipeline."""

    MIC_UNAVAILABLE = "mic-unavailable"
    SPEAKER_UNAVAILABLE = "speaker-unavailable"
    STT_MODEL_MISSING = "stt-model-missing"
    STT_FAILED = "stt-failed"
    NO_SPEECH = "no-speech"            # the audio held no words (silence, noise, a Whisper hallucination)
    ANSWER_FAILED = "answer-failed"
    TTS_FAILED = "tts-failed"


@dataclass(frozen=True)
class Ready:
    """Models are loaded and warm; the kiosk is listening."""


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float                        # stream time of the first speech frame


@dataclass(frozen=True)
class SpeechEnded:
    at_s: float                        # stream time when the end of the turn was decided
    speech_end_s: float                # stream time of the last speech frame
    audio: Audio = field(repr=False)   # the utterance (with a little pre-roll)


@dataclass(frozen=True)
class Transcript:
    text: str
    lang: str
    seconds: float                     # time spent in speech-to-text


@dataclass(frozen=True)
class AnswerReady:
    text: str
    lang: str
    sentences: tuple[str, ...]
    service_ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    payload: object = field(default=None, repr=False, compare=False)  # the caller's answer object
    more: Iterable[str] | None = field(default=None, repr=False, compare=False)  # sentences still being made
                                       # (a streaming model): spoken after `sentences`, as each one arrives


@dataclass(frozen=True)
class SpeechAudio:
    """One synthesized sentence, ready to play, with its mouth shapes."""

    sentence: str
    audio: Audio = field(repr=False)
    cues: tuple[MouthCue, ...] = field(default=(), repr=False)
    index: int = 0                     # sentence number within the answer


@dataclass(frozen=True)
class PlaybackStarted:
    sentence: str
    index: int


@dataclass(frozen=True)
class PlaybackFinished:
    interrupted: bool = False


@dataclass(frozen=True)
class Interrupted:
    """The visitor spoke over the kiosk: playback stopped and queued audio was dropped."""

    at_s: float


@dataclass(frozen=True)
class StageError:
    code: ErrorCode
    message: str


Event = (Ready | SpeechStarted | SpeechEnded | Transcript | AnswerReady | SpeechAudio | PlaybackStarted
         | PlaybackFinished | Interrupted | StageError)
