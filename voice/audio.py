"""Audio buffers: 16 kHz mono float32 inside the kiosk; conversion, resampling and WAV files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000          # every buffer inside the voice library uses this rate
FRAME = 512            # samples per VAD frame (32 ms)


class AudioFileError(Exception):
    """A WAV file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at `rate` Hz."""

    samples: np.ndarray
    rate: int = RATE

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    @classmethod
    def silence(cls, seconds: float, rate: int = RATE) -> "Audio":
        return cls(np.zeros(int(round(seconds * rate)), dtype=np.float32), rate)

    @classmethod
    def concat(cls, parts: list["Audio"], rate: int = RATE) -> "Audio":
        arrays = [p.resampled(rate).samples for p in parts]
        return cls(np.concatenate(arrays).astype(np.float32) if arrays else np.zeros(0, np.float32), rate)

    def resampled(self, rate: int = RATE) -> "Audio":
        if rate == self.rate or len(self.samples) == 0:
            return Audio(self.samples, rate)
        import soxr  # high-quality resampler; imported only when a rate differs

        return Audio(soxr.resample(self.samples, self.rate, rate).astype(np.float32), rate)

    def rms(self) -> float:
        return float(np.sqrt(np.mean(np.square(self.samples, dtype=np.float64)))) if len(self.samples) else 0.0

    def pcm16(self) -> bytes:
        return (np.clip(self.samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def to_mono_float(data: np.ndarray) -> np.ndarray:
    """Any sample array (int or float, mono or (frames, channels)) as mono float32 in [-1, 1]."""
    data = np.asarray(data)
    if data.dtype.kind in "iu":
        info = np.iinfo(data.dtype)
        data = (data.astype(np.float32) - (info.max + info.min + 1) / 2) / (info.max + 1)
    data = data.astype(np.float32, copy=False)
    if data.ndim == 2:
        data = data.mean(axis=1)
    return np.nan_to_num(np.clip(data, -1.0, 1.0))


def read_wav(path: Path | str, rate: int = RATE) -> Audio:
    """Read a WAV/FLAC/OGG file (any rate, any channels) as 16 kHz mono."""
    import soundfile

    try:
        data, file_rate = soundfile.read(str(path), always_2d=False, dtype="float32")
    except Exception as exc:  # soundfile raises several types for missing/corrupt files
        raise AudioFileError(f"{path}: cannot read audio: {exc}") from None
    return Audio(to_mono_float(data), file_rate).resampled(rate)


def write_wav(path: Path | str, audio: Audio) -> None:
    """Write 16-bit PCM WAV."""
    import soundfile

    try:
        soundfile.write(str(path), np.clip(audio.samples, -1, 1), audio.rate, subtype="PCM_16")
    except Exception as exc:
        raise AudioFileError(f"{path}: cannot write audio: {exc}") from None


def tone(seconds: float, amplitude: float = 0.2, hz: float = 660.0, fade_s: float = 0.02) -> Audio:
    """A sine tone with soft edges (speaker tests): no click at the start or the end."""
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.minimum(1.0, np.minimum(t, t[::-1]) / fade_s)
    return Audio((amplitude * np.sin(2 * np.pi * hz * t) * envelope).astype(np.float32))
