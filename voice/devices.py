"""Microphone and speaker through sounddevice (PortAudio): the only module that imports it.

Devices are chosen by name (or part of it) or index; "" means the system default, and
when PulseAudio's PULSE_SOURCE / PULSE_SINK are set, the "pulse" device so that they apply.
Device rates are resampled to and from 16 kHz mono.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator

import numpy as np

from voice.audio import FRAME, RATE, Audio, to_mono_float


class AudioDeviceError(Exception):
    """A microphone or speaker is missing or failed; the message says which and what exists."""


def _sd():
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise AudioDeviceError(f"PortAudio is not installed ({exc}); on Debian/Ubuntu: apt-get install libportaudio2") from None
    return sounddevice


def list_devices() -> list[dict]:
    """Every device PortAudio sees: index, name, input/output channels, default rate."""
    sd = _sd()
    return [{"index": i, "name": d["name"], "inputs": d["max_input_channels"], "outputs": d["max_output_channels"],
             "rate": d["default_samplerate"]} for i, d in enumerate(sd.query_devices())]


def find_device(spec: str | int, kind: str) -> int | None:
    """The index of the input/output device `spec` (name part or index); None = PortAudio's default."""
    devices = [d for d in list_devices() if d["inputs" if kind == "input" else "outputs"] > 0]
    names = ", ".join(f"{d['index']}: {d['name']}" for d in devices) or "none"
    if not devices:
        raise AudioDeviceError(f"no {kind} device found (available: {names})")
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        if any(d["index"] == index for d in devices):
            return index
        raise AudioDeviceError(f"{kind} device {index} does not exist (available: {names})")
    spec = (spec or "").strip()
    if not spec:
        routed = os.environ.get("PULSE_SOURCE" if kind == "input" else "PULSE_SINK")
        if routed:
            pulse = [d for d in devices if d["name"] == "pulse"]
            if pulse:
                return pulse[0]["index"]
        return None
    matches = [d for d in devices if spec.lower() in d["name"].lower()]
    if not matches:
        raise AudioDeviceError(f"{kind} device {spec!r} not found (available: {names})")
    return matches[0]["index"]


def _rate_of(device: int | None, kind: str) -> int:
    sd = _sd()
    info = sd.query_devices(device, kind)
    return int(info["default_samplerate"])


class MicrophoneSource:
    """Frames from a microphone, resampled to 16 kHz mono, FRAME samples each."""

    def __init__(self, device: str | int = ""):
        sd = _sd()
        self._index = find_device(device, "input")
        self.rate = _rate_of(self._index, "input")
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=400)
        self._resampler = None
        if self.rate != RATE:
            import soxr

            self._resampler = soxr.ResampleStream(self.rate, RATE, 1, dtype="float32")
        try:
            self._stream = sd.InputStream(device=self._index, samplerate=self.rate, channels=1, dtype="float32",
                                          blocksize=int(self.rate * 0.02), callback=self._callback)
            self._stream.start()
        except Exception as exc:
            raise AudioDeviceError(f"cannot open the microphone ({exc})") from None
        self.name = sd.query_devices(self._index, "input")["name"]

    def _callback(self, data, frames, time_info, status) -> None:
        try:
            self._queue.put_nowait(to_mono_float(data).copy())
        except queue.Full:
            pass  # the consumer is far behind: dropping beats unbounded memory

    def frames(self) -> Iterator[Audio]:
        pending = np.zeros(0, dtype=np.float32)
        while True:
            try:
                block = self._queue.get(timeout=2.0)
            except queue.Empty:
                raise AudioDeviceError("the microphone stopped delivering audio (unplugged?)") from None
            if block is None:
                return
            if self._resampler is not None:
                block = self._resampler.resample_chunk(block)
            pending = np.concatenate([pending, block])
            while len(pending) >= FRAME:
                yield Audio(pending[:FRAME])
                pending = pending[FRAME:]

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        finally:
            while True:  # nobody may be reading any more: make room for the end marker
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put_nowait(None)


class SpeakerSink:
    """Plays 16 kHz buffers on a speaker in small blocks so `stop()` takes effect within ~50 ms."""

    def __init__(self, device: str | int = "", block_s: float = 0.02, volume: float = 1.0):
        sd = _sd()
        self._index = find_device(device, "output")
        self.rate = _rate_of(self._index, "output")
        self._block = int(self.rate * block_s)
        self._stop = threading.Event()
        self._volume = volume
        try:
            self._stream = sd.OutputStream(device=self._index, samplerate=self.rate, channels=1, dtype="float32",
                                           blocksize=self._block, latency="low")
            self._stream.start()
        except Exception as exc:
            raise AudioDeviceError(f"cannot open the speaker ({exc})") from None
        self.name = sd.query_devices(self._index, "output")["name"]

    def play(self, audio: Audio) -> bool:
        self._stop.clear()
        samples = np.clip(audio.resampled(self.rate).samples * self._volume, -1, 1).astype(np.float32)
        try:
            for start in range(0, len(samples), self._block):
                if self._stop.is_set():
                    return False
                self._stream.write(samples[start : start + self._block].reshape(-1, 1))
        except Exception as exc:
            raise AudioDeviceError(f"the speaker failed ({exc})") from None
        return not self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        self._stream.stop()
        self._stream.close()
