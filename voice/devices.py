"""Microphone and speaker through sounddevice (PortAudio): the only module that imports it.

Devices are chosen by name (or part of it) or index; "" means the system default, and
when PulseAudio's PULSE_SOURCE / PULSE_SINK are set, the "pulse" device so that they apply.
Device rates are resampled to and from 16 kHz mono, any channel count is mixed to mono.

Devices come and go on a kiosk (a USB microphone pulled out, a speaker switched off):
`ResilientSource` reopens a microphone with backoff and reports StageError(MIC_UNAVAILABLE)
once per outage; `SpeakerSink` reports its first failure, then plays silently (keeping the
subtitles' pace) and reopens the device when it returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from voice.audio import FRAME, RATE, Audio, to_mono_float
from voice.events import ErrorCode, StageError
from voice.interfaces import AudioSource

log = logging.getLogger("voice.devices")


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


def _started(stream):
    """`stream` started; closed again when it does not start, so a failed attempt keeps no device open."""
    try:
        stream.start()
    except Exception:
        try:
            stream.close()
        except Exception:
            pass
        raise
    return stream


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
        channels = max(1, int(sd.query_devices(self._index, "input")["max_input_channels"]))
        for count in dict.fromkeys((1, min(channels, 2), channels)):  # some devices only open in stereo
            try:
                self._stream = _started(sd.InputStream(device=self._index, samplerate=self.rate, channels=count,
                                                       dtype="float32", blocksize=int(self.rate * 0.02),
                                                       callback=self._callback))
                break
            except Exception as exc:
                error = exc
        else:
            raise AudioDeviceError(f"cannot open the microphone ({error})") from None
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
    """Plays 16 kHz buffers on a speaker in small blocks so `stop()` takes effect within ~50 ms.

    When the device fails, the first `play()` raises AudioDeviceError (the pipeline reports
    SPEAKER_UNAVAILABLE); later ones play silence for the audio's duration, trying to reopen the
    device every `retry_s`, so the kiosk keeps its subtitles and comes back by itself.
    """

    def __init__(self, device: str | int = "", block_s: float = 0.02, volume: float = 1.0, retry_s: float = 2.0):
        self._spec = device
        self._block_s = block_s
        self._stop = threading.Event()
        self._volume = volume
        self._retry_s = retry_s
        self._broken_since: float | None = None
        self._last_try = 0.0
        self._stream = None
        self._open()

    def _open(self) -> None:
        sd = _sd()
        self._index = find_device(self._spec, "output")
        self.rate = _rate_of(self._index, "output")
        self._block = int(self.rate * self._block_s)
        try:
            self._stream = _started(sd.OutputStream(device=self._index, samplerate=self.rate, channels=1,
                                                    dtype="float32", blocksize=self._block, latency="low"))
        except Exception as exc:
            self._stream = None
            raise AudioDeviceError(f"cannot open the speaker ({exc})") from None
        self.name = sd.query_devices(self._index, "output")["name"]

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:
                pass

    def _recover(self) -> bool:
        """Try to reopen a failed device (at most every `retry_s`); True when it plays again."""
        now = time.monotonic()
        if now - self._last_try < self._retry_s:
            return False
        self._last_try = now
        try:
            self._open()
        except AudioDeviceError:
            return False
        log.warning("speaker %s is back after %.0f s", self.name, now - (self._broken_since or now))
        self._broken_since = None
        return True

    def play(self, audio: Audio) -> bool:
        self._stop.clear()
        if self._broken_since is not None and not self._recover():
            return self._play_silently(audio)
        stream = self._stream
        if stream is None:  # closed (the kiosk is shutting down)
            return False
        samples = np.clip(audio.resampled(self.rate).samples * self._volume, -1, 1).astype(np.float32)
        try:
            for start in range(0, len(samples), self._block):
                if self._stop.is_set():
                    return False
                stream.write(samples[start : start + self._block].reshape(-1, 1))
        except Exception as exc:
            self._drop_stream()
            self._broken_since = self._last_try = time.monotonic()
            raise AudioDeviceError(f"the speaker failed ({exc}); subtitles continue and the kiosk retries "
                                   f"every {self._retry_s:g} s") from None
        return not self._stop.is_set()

    def _play_silently(self, audio: Audio) -> bool:
        """The device is gone: take the audio's time (stoppable) so subtitles keep their pace."""
        return not self._stop.wait(audio.seconds)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()


class ResilientSource:
    """A microphone that may disappear and come back.

    `open_source()` makes the real source (e.g. `lambda: MicrophoneSource(spec)`). When it fails to
    open or its frames stop with an error, the source is reopened with growing pauses (`backoff`);
    `on_event` gets one StageError(MIC_UNAVAILABLE) per outage (set it after building the pipeline,
    e.g. to the pipeline's event handler). Frames resume when the device is back; `close()` ends it.
    """

    def __init__(self, open_source: Callable[[], AudioSource], on_event: Callable[[StageError], None] | None = None,
                 backoff: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 5.0)):
        self._open_source = open_source
        self.on_event = on_event
        self._backoff = backoff
        self._closed = threading.Event()
        self._current: AudioSource | None = None
        self._lock = threading.Lock()
        self.outages = 0
        self._away = False

    def _report(self, exc: BaseException) -> None:
        if self._away:
            return
        self._away = True
        self.outages += 1
        message = f"the microphone is unavailable ({exc}); reconnecting"
        log.warning(message)
        if self.on_event is not None:
            self.on_event(StageError(ErrorCode.MIC_UNAVAILABLE, message))

    def _open(self) -> AudioSource | None:
        attempt = 0
        while not self._closed.is_set():
            try:
                source = self._open_source()
            except Exception as exc:  # device missing, PortAudio errors
                self._report(exc)
                self._closed.wait(self._backoff[min(attempt, len(self._backoff) - 1)])
                attempt += 1
                continue
            with self._lock:
                if self._closed.is_set():
                    source.close()
                    return None
                self._current = source
            return source
        return None

    def frames(self) -> Iterator[Audio]:
        while not self._closed.is_set():
            source = self._open()
            if source is None:
                return
            try:
                for frame in source.frames():
                    if self._away:
                        self._away = False
                        log.warning("the microphone is back")
                    yield frame
                return  # the source ended by itself (a file, or close())
            except Exception as exc:
                if self._closed.is_set():
                    return
                self._report(exc)
                with self._lock:
                    self._current = None
                try:
                    source.close()
                except Exception:
                    pass
                self._closed.wait(self._backoff[0])

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            source, self._current = self._current, None
        if source is not None:
            source.close()
