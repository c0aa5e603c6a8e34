"""Pure time functions behind the avatar's life: blinks, lip-sync, blends (no Panda3D).

Everything is a function of stage time so that rendering at fixed steps gives the same video.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.06, 0.04, 0.10
CUE_ATTACK_S, CUE_RELEASE_S = 0.05, 0.07


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


class BlinkSchedule:
    """Blinks every 2-6 s from a seeded RNG; `closure(t)` is 0 (open) .. 1 (closed)."""

    def __init__(self, seed: int = 7, first_s: float = 1.5, min_s: float = 2.0, max_s: float = 6.0):
        self._rng = random.Random(seed)
        self._min, self._max = min_s, max_s
        self.starts: list[float] = [first_s]

    def _extend(self, t: float) -> None:
        while self.starts[-1] < t + self._max:
            self.starts.append(self.starts[-1] + self._rng.uniform(self._min, self._max))

    def closure(self, t: float) -> float:
        self._extend(t)
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        dt = t - self.starts[i]
        if dt < BLINK_CLOSE_S:
            return smoothstep(dt / BLINK_CLOSE_S)
        dt -= BLINK_CLOSE_S
        if dt < BLINK_HOLD_S:
            return 1.0
        dt -= BLINK_HOLD_S
        return 1.0 - smoothstep(dt / BLINK_OPEN_S) if dt < BLINK_OPEN_S else 0.0


class GlanceSchedule:
    """Now and then (every 4-9 s) the eyes-and-head drift briefly aside: (heading, pitch) degrees at t."""

    def __init__(self, seed: int = 11, hold_s: float = 1.4):
        self._rng = random.Random(seed)
        self._hold = hold_s
        self.glances: list[tuple[float, float, float]] = [(3.0, 6.0, 2.0)]  # (start, heading, pitch)

    def offset(self, t: float, allowed=lambda start: True) -> tuple[float, float]:
        """The glance offset at t; a glance plays only if `allowed(its start time)` (e.g. not talking)."""
        while self.glances[-1][0] < t + 10.0:
            start = self.glances[-1][0] + self._rng.uniform(4.0, 9.0)
            self.glances.append((start, self._rng.uniform(-9.0, 9.0), self._rng.uniform(-2.0, 4.0)))
        i = bisect.bisect_right(self.glances, t, key=lambda glance: glance[0]) - 1
        if i < 0:
            return 0.0, 0.0
        start, h, p = self.glances[i]
        if not allowed(start):
            return 0.0, 0.0
        dt = t - start
        k = smoothstep(dt / 0.25) * (1.0 - smoothstep((dt - self._hold) / 0.35))
        return h * k, p * k


@dataclass(frozen=True)
class TimedCue:
    start: float  # stage seconds
    end: float
    viseme: str
    weight: float


class LipSync:
    """Plays timed mouth cues: each viseme fades in over 50 ms and out over 70 ms after its end."""

    def __init__(self) -> None:
        self._cues: list[TimedCue] = []
        self._longest = 0.0

    def play(self, cues, start_at: float) -> None:
        timed = sorted((TimedCue(start_at + c.start_s, start_at + c.end_s, c.viseme, float(c.weight)) for c in cues),
                       key=lambda c: c.start)
        self._cues = timed
        self._longest = max((c.end - c.start for c in timed), default=0.0)

    def stop(self) -> None:
        self.play([], 0.0)

    def speaking(self, t: float) -> bool:
        return bool(self._cues) and self._cues[0].start <= t <= self._cues[-1].end + CUE_RELEASE_S

    def weights(self, t: float) -> dict[str, float]:
        out: dict[str, float] = {}
        hi = bisect.bisect_right(self._cues, t, key=lambda c: c.start)
        lo = bisect.bisect_left(self._cues, t - self._longest - CUE_RELEASE_S, key=lambda c: c.start)
        for cue in self._cues[lo:hi]:
            if cue.viseme == "closed" or t > cue.end + CUE_RELEASE_S:
                continue
            env = smoothstep((t - cue.start) / CUE_ATTACK_S)
            if t > cue.end:
                env *= 1.0 - smoothstep((t - cue.end) / CUE_RELEASE_S)
            out[cue.viseme] = min(1.0, out.get(cue.viseme, 0.0) + env * cue.weight)
        return out


class Blend:
    """A set of named weights moving smoothly to targets, as a function of time."""

    def __init__(self, values: dict[str, float] | None = None):
        self._from: dict[str, float] = dict(values or {})
        self._to: dict[str, float] = dict(values or {})
        self._t0, self._duration = 0.0, 0.0

    def value(self, t: float) -> dict[str, float]:
        k = 1.0 if self._duration <= 0 else smoothstep((t - self._t0) / self._duration)
        keys = set(self._from) | set(self._to)
        return {key: self._from.get(key, 0.0) + (self._to.get(key, 0.0) - self._from.get(key, 0.0)) * k
                for key in keys}

    def go(self, targets: dict[str, float], t: float, duration: float) -> None:
        self._from = self.value(t)
        self._to = dict(targets)
        self._t0, self._duration = t, max(duration, 0.0)


def idle_pose(t: float, phase: float = 0.0) -> dict[str, tuple[float, float, float]]:
    """Breathing and a subtle sway: bone -> (heading, pitch, roll) degrees."""
    breath = math.sin(2 * math.pi * (t + phase) / 4.2)
    sway = math.sin(2 * math.pi * (t + phase) / 7.3)
    drift = math.sin(2 * math.pi * (t + phase) / 11.0)
    return {
        "spine": (0.6 * sway, 0.8 * breath, 0.5 * sway),
        "hips": (0.0, 0.0, 0.4 * sway),
        "neck": (1.2 * drift, -0.4 * breath, 0.0),
        "head": (0.8 * drift, 0.6 * math.sin(2 * math.pi * (t + phase) / 5.1), 1.0 * sway),
        "leftUpperArm": (0.0, 0.0, 1.2 * breath),
        "rightUpperArm": (0.0, 0.0, -1.2 * breath),
    }
