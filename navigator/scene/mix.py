"""The scene's soundtrack: spoken lines placed at their times over looping music, at 48 kHz mono.

The music follows the timeline's volume (music cues fade it) and dips under speech so the
lines stay clear; a peak limiter keeps the sum inside full scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from voice.audio import Audio
from voice.tts import limit_peaks

MIX_RATE = 48_000
CONTROL_STEP_S = 0.01       # music gain is computed every 10 ms, then interpolated per sample
DUCK = 0.45                 # music level while someone speaks (relative)
DUCK_RAMP_S = 0.3


def looped(music: Audio, samples: int) -> np.ndarray:
    """The music repeated (or cut) to exactly `samples` samples."""
    if len(music.samples) == 0:
        return np.zeros(samples, np.float32)
    repeats = -(-samples // len(music.samples))
    return np.tile(music.samples, repeats)[:samples]


def duck_envelope(times: np.ndarray, speech: Sequence[tuple[float, float]], depth: float = DUCK,
                  ramp_s: float = DUCK_RAMP_S) -> np.ndarray:
    """1.0 where nobody speaks, `depth` during speech, with linear ramps of `ramp_s` around it."""
    envelope = np.ones_like(times)
    for start, end in speech:
        rise = np.clip((times - (start - ramp_s)) / ramp_s, 0, 1)
        fall = np.clip(((end + ramp_s) - times) / ramp_s, 0, 1)
        inside = np.minimum(rise, fall)
        envelope = np.minimum(envelope, 1.0 - (1.0 - depth) * inside)
    return envelope


def mix(seconds: float, lines: Sequence[tuple[float, Audio]], music: Audio | None = None,
        music_gain: Callable[[np.ndarray], np.ndarray] | None = None, rate: int = MIX_RATE) -> Audio:
    """`seconds` of audio: each (start, speech) placed at its start, over the music at its gain."""
    total = int(round(seconds * rate))
    out = np.zeros(total, np.float32)
    spans: list[tuple[float, float]] = []
    for start, speech in lines:
        samples = speech.resampled(rate).samples
        begin = int(round(start * rate))
        if begin >= total or len(samples) == 0:
            continue
        piece = samples[: total - begin]
        out[begin: begin + len(piece)] += piece
        spans.append((start, start + len(samples) / rate))
    if music is not None and total:
        control = np.arange(0.0, seconds + CONTROL_STEP_S, CONTROL_STEP_S)
        gains = (music_gain(control) if music_gain else np.ones_like(control)) * duck_envelope(control, spans)
        per_sample = np.interp(np.arange(total) / rate, control, gains).astype(np.float32)
        out += looped(music.resampled(rate), total) * per_sample
    return Audio(limit_peaks(out, rate), rate)
