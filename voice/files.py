"""File-backed audio: a WAV (or a buffer) as the microphone, a list of buffers as the speaker.

Used by tests and by headless commands (`navigator talk --in/--out`). With
`realtime=True` both behave like devices (paced frames, playback that takes its time
and can be stopped), which is what barge-in tests need.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voice.audio import FRAME, RATE, Audio, read_wav


class BufferSource:
    """Frames of an Audio buffer (then `tail_s` of silence so a turn can end), FRAME samples each."""

    def __init__(self, audio: Audio, tail_s: float = 1.5, realtime: bool = False):
        audio = audio.resampled(RATE)
        tail = np.zeros(int(tail_s * RATE), dtype=np.float32)
        samples = np.concatenate([audio.samples, tail])
        padding = (-len(samples)) % FRAME
        self._samples = np.concatenate([samples, np.zeros(padding, dtype=np.float32)])
        self._realtime = realtime
        self._closed = threading.Event()

    @classmethod
    def from_wav(cls, path: Path | str, **options) -> "BufferSource":
        return cls(read_wav(path), **options)

    def frames(self) -> Iterator[Audio]:
        started = time.monotonic()
        for index, start in enumerate(range(0, len(self._samples), FRAME)):
            if self._closed.is_set():
                return
            if self._realtime:
                delay = started + index * FRAME / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Audio(self._samples[start : start + FRAME])

    def close(self) -> None:
        self._closed.set()


class BufferSink:
    """Collects what the kiosk plays. With `realtime`, playing takes the audio's duration and `stop()` cuts it."""

    def __init__(self, realtime: bool = False, block_s: float = 0.02):
        self.played: list[Audio] = []
        self.stopped_at: list[float] = []   # monotonic times at which playback was cut short
        self._realtime = realtime
        self._block = int(block_s * RATE)
        self._stop = threading.Event()

    def play(self, audio: Audio) -> bool:
        self._stop.clear()
        audio = audio.resampled(RATE)
        if not self._realtime:
            self.played.append(audio)
            return True
        started = time.monotonic()
        for index, start in enumerate(range(0, len(audio.samples), self._block)):
            if self._stop.is_set():
                self.played.append(Audio(audio.samples[:start]))
                self.stopped_at.append(time.monotonic())
                return False
            delay = started + index * self._block / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self.played.append(audio)
        return True

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()

    def audio(self) -> Audio:
        """Everything played so far, in order."""
        return Audio.concat(self.played)
