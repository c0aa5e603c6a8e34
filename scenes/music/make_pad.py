"""Make scenes/music/soft_pad.ogg: a soft, seamlessly looping synthesized pad (made here, no samples).

Four chords of 4 s each (Cmaj9 - Am9 - Fmaj7 - G6), detuned sine voices with slow attack and
release and a gentle bell arpeggio; the end wraps into the start so the file loops without a click.
Run: .venv/bin/python scenes/music/make_pad.py   (licence: CC0, see scenes/README.md)
"""

from pathlib import Path

import numpy as np
import soundfile

RATE = 48_000
CHORD_S = 4.0
CHORDS = [  # MIDI notes
    [48, 55, 64, 67, 71, 74],   # Cmaj9
    [45, 52, 60, 64, 67, 71],   # Am9
    [41, 53, 57, 60, 64, 69],   # Fmaj7
    [43, 50, 59, 62, 64, 67],   # G6
]


LOOP_S = CHORD_S * len(CHORDS)


def hz(note: float) -> float:
    """The note's frequency, rounded to a whole number of cycles per loop (so the loop is seamless)."""
    return round(440.0 * 2 ** ((note - 69) / 12) * LOOP_S) / LOOP_S


def pad() -> np.ndarray:
    total = int(RATE * CHORD_S * len(CHORDS))
    t = np.arange(total) / RATE
    out = np.zeros(total)
    for i, chord in enumerate(CHORDS):
        start = i * CHORD_S
        # each chord swells in over 1.2 s and fades over 1.5 s past its end (wrapping round the loop)
        local = (t - start) % (total / RATE)
        env = np.clip(local / 1.2, 0, 1) * np.clip((CHORD_S + 1.5 - local) / 1.5, 0, 1)
        env = np.where(local < CHORD_S + 1.5, env, 0.0) ** 1.5
        for note in chord:
            for detune in (-0.15, 0.15):
                f = hz(note + detune)
                out += env * (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) / (1 + (note - 40) / 24)
        # a soft bell every half second on the chord's upper notes
        for k in range(int(CHORD_S * 2)):
            note = chord[2 + k % 4] + 12
            onset = start + k * 0.5
            d = (t - onset) % (total / RATE)
            bell = np.where(d < 2.0, np.exp(-d * 3.0) * np.sin(2 * np.pi * hz(note) * d), 0.0)
            out += 0.35 * bell
    out /= np.abs(out).max()
    return (0.5 * out).astype(np.float32)


if __name__ == "__main__":
    path = Path(__file__).with_name("soft_pad.ogg")
    samples = pad()
    soundfile.write(path, samples, RATE, format="OGG", subtype="VORBIS")
    print(f"{path}: {len(samples) / RATE:.1f} s")
