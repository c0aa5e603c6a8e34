"""End-of-turn detection as a pure state machine over per-frame speech probabilities.

After Home Assistant's assist-pipeline `VoiceCommandSegmenter`: a turn starts once enough
speech has accumulated (short bursts such as coughs and clicks are ignored), and ends after a
stretch of silence or at a hard length cap. Speech is decided with hysteresis (a Schmitt
trigger): a frame at or above `start_threshold` enters speech, a frame below `end_threshold`
leaves it, anything in between keeps the current state.

No audio and no numpy here: feed one probability per frame (e.g. from `voice.vad.SileroVad`).
Times are stream times, `frame index * frame_s`, counted from the last `reset()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import Enum
from typing import Literal

EndReason = Literal["silence", "max_length"]


@dataclass(frozen=True)
class TurnConfig:
    """Thresholds and durations (seconds) of the turn detector; validated on creation."""

    start_threshold: float = 0.5     # probability that enters speech
    end_threshold: float = 0.35      # probability below which speech is left (hysteresis)
    min_speech_s: float = 0.25       # speech needed before a turn counts (coughs, clicks are shorter)
    end_silence_s: float = 0.5       # silence that ends a turn
    max_utterance_s: float = 15.0    # hard cap: the turn ends anyway
    pre_roll_s: float = 0.3          # audio the pipeline keeps before the detected start
    frame_s: float = 0.032           # duration of one frame (512 samples at 16 kHz)

    def __post_init__(self) -> None:
        for f in fields(self):
            _require_number(f.name, getattr(self, f.name))
        _require(0.0 < self.start_threshold <= 1.0, "start_threshold", "must be in (0, 1]", self.start_threshold)
        _require(0.0 < self.end_threshold <= self.start_threshold, "end_threshold",
                 f"must be in (0, start_threshold={self.start_threshold}]", self.end_threshold)
        _require(self.frame_s > 0.0, "frame_s", "must be > 0", self.frame_s)
        _require(self.min_speech_s >= 0.0, "min_speech_s", "must be >= 0", self.min_speech_s)
        _require(self.end_silence_s > 0.0, "end_silence_s", "must be > 0", self.end_silence_s)
        _require(self.max_utterance_s > self.min_speech_s, "max_utterance_s",
                 f"must be > min_speech_s={self.min_speech_s}", self.max_utterance_s)
        _require(self.pre_roll_s >= 0.0, "pre_roll_s", "must be >= 0", self.pre_roll_s)

    def frames(self, seconds: float) -> int:
        """Whole frames needed to cover `seconds` (rounded up, at least 1)."""
        return max(1, math.ceil(seconds / self.frame_s - 1e-9))

    @property
    def pre_roll_frames(self) -> int:
        """Frames of audio to keep before a turn's start (0 when pre_roll_s is 0)."""
        return self.frames(self.pre_roll_s) if self.pre_roll_s > 0 else 0


def _require_number(name: str, value: object) -> None:
    """A ValueError naming the field unless `value` is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"TurnConfig.{name} must be a finite number, got {value!r}")


def _require(ok: bool, name: str, rule: str, value: float) -> None:
    """A ValueError naming the field and its rule unless `ok`."""
    if not ok:
        raise ValueError(f"TurnConfig.{name} {rule}, got {value!r}")


@dataclass(frozen=True)
class TurnStarted:
    """Enough speech has accumulated: a turn is under way since `start_s`."""

    start_s: float                   # where the speech began (first speech frame)


@dataclass(frozen=True)
class TurnEnded:
    """The turn is over: speech ran from `start_s` to `speech_end_s`; decided at `decided_s`."""

    start_s: float
    speech_end_s: float              # end of the last speech frame
    decided_s: float                 # stream time when the end was decided
    reason: EndReason


TurnEvent = TurnStarted | TurnEnded


class _Phase(Enum):
    IDLE = "idle"                    # no speech
    CANDIDATE = "candidate"          # speech began, not yet min_speech_s of it
    TURN = "turn"                    # a turn is under way (TurnStarted was emitted)


class TurnDetector:
    """Feed one speech probability per frame; get TurnStarted / TurnEnded events back.

    A candidate (speech shorter than `min_speech_s` so far) is dropped silently after
    `end_silence_s` of silence. After a turn ends the detector is idle again and the next
    speech frame may begin a new turn, even when the cut was `max_length` mid-speech.
    """

    def __init__(self, config: TurnConfig | None = None) -> None:
        self.config = config or TurnConfig()
        self._min_speech = self.config.frames(self.config.min_speech_s)
        self._end_silence = self.config.frames(self.config.end_silence_s)
        self._max_frames = self.config.frames(self.config.max_utterance_s)
        self.reset()

    def reset(self) -> None:
        """Back to idle at stream time 0 (a new stream)."""
        self._frame = 0              # frames fed so far
        self._phase = _Phase.IDLE
        self._speech = False         # hysteresis state of the last frame
        self._start = 0              # first speech frame of the candidate/turn
        self._speech_frames = 0      # speech frames in the candidate/turn
        self._silence_run = 0        # consecutive non-speech frames
        self._last_speech_end = 0    # frame index just after the last speech frame

    def drop_turn(self) -> None:
        """Forget a candidate or turn in progress (back to idle) without restarting the stream clock."""
        frame = self._frame
        self.reset()
        self._frame = self._last_speech_end = frame

    @property
    def now_s(self) -> float:
        """Stream time after the frames fed so far."""
        return self._t(self._frame)

    @property
    def in_turn(self) -> bool:
        """True between TurnStarted and TurnEnded."""
        return self._phase is _Phase.TURN

    @property
    def speech_end_s(self) -> float:
        """Stream time just after the last speech frame (where the current silence began)."""
        return self._t(self._last_speech_end)

    @property
    def turn_start_s(self) -> float:
        """Where the current turn's speech began (meaningful while `in_turn`)."""
        return self._t(self._start)

    @property
    def in_speech(self) -> bool:
        """True while the last frame counted as speech (with hysteresis)."""
        return self._speech

    @property
    def speaking_s(self) -> float:
        """Seconds of speech in the current candidate or turn (0 when idle); for barge-in."""
        return 0.0 if self._phase is _Phase.IDLE else self._t(self._speech_frames)

    def feed(self, probability: float) -> TurnEvent | None:
        """Advance by one frame with its speech probability; return an event if one happened."""
        index = self._frame
        self._frame += 1
        self._speech = self._is_speech(probability)
        if self._phase is _Phase.IDLE:
            return self._idle(index)
        self._count(index)
        if self._phase is _Phase.CANDIDATE:
            return self._candidate()
        return self._turn()

    def _is_speech(self, probability: float) -> bool:
        """Schmitt trigger: enter at start_threshold, leave below end_threshold."""
        if probability >= self.config.start_threshold:
            return True
        if probability < self.config.end_threshold:
            return False
        return self._speech

    def _count(self, index: int) -> None:
        """Update the speech and silence tallies with frame `index`."""
        if self._speech:
            self._speech_frames += 1
            self._silence_run = 0
            self._last_speech_end = index + 1
        else:
            self._silence_run += 1

    def _idle(self, index: int) -> TurnEvent | None:
        """No speech yet: a speech frame opens a candidate."""
        if self._speech:
            self._phase = _Phase.CANDIDATE
            self._start = index
            self._speech_frames = 0
            self._silence_run = 0
            self._count(index)
            return self._candidate()
        return None

    def _candidate(self) -> TurnEvent | None:
        """Promote to a turn after enough speech; drop after enough silence."""
        if self._speech_frames >= self._min_speech:
            self._phase = _Phase.TURN
            return TurnStarted(self._t(self._start))
        if self._silence_run >= self._end_silence:
            self._phase = _Phase.IDLE
        return None

    def _turn(self) -> TurnEvent | None:
        """End the turn after enough silence, or at the length cap."""
        if self._silence_run >= self._end_silence:
            return self._end("silence")
        if self._frame - self._start >= self._max_frames:
            return self._end("max_length")
        return None

    def _end(self, reason: EndReason) -> TurnEnded:
        """Emit TurnEnded and go idle."""
        self._phase = _Phase.IDLE
        return TurnEnded(self._t(self._start), self._t(self._last_speech_end), self._t(self._frame), reason)

    def _t(self, frames: int) -> float:
        """Stream time of a frame boundary."""
        return frames * self.config.frame_s
