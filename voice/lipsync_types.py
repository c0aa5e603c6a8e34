"""Mouth-shape cues: the timed visemes an avatar plays along with an audio buffer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Viseme = Literal["a", "i", "u", "e", "o", "closed"]
VISEMES: tuple[Viseme, ...] = ("a", "i", "u", "e", "o", "closed")


@dataclass(frozen=True)
class MouthCue:
    start_s: float     # from the start of the audio buffer
    end_s: float
    viseme: Viseme
    weight: float = 1.0  # how open (0..1), e.g. from loudness
