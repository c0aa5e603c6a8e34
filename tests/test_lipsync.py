"""Lip-sync without engines: phoneme → viseme mapping, cue tiling, alignment to silences,
envelope cues on synthetic signals, and the avatar's lookup."""

from __future__ import annotations

import random

import numpy as np
import pytest

from voice.audio import RATE, Audio
from voice.lipsync import (CLOSED, TimedPhoneme, align_phonemes, cover, cues_from_envelope, cues_from_phonemes,
                           merge_cues, phonemes_from_labels, timed_phonemes, viseme_at, viseme_for, voiced_regions)
from voice.lipsync_types import MouthCue


def assert_tiles(cues: tuple[MouthCue, ...], total_s: float, tolerance_s: float = 1e-6) -> None:
    """Cues start at 0, end at total_s, touch without gaps or overlaps, and never repeat a neighbour."""
    assert cues, "no cues"
    assert cues[0].start_s == pytest.approx(0.0, abs=tolerance_s)
    assert cues[-1].end_s == pytest.approx(total_s, abs=tolerance_s)
    for cue in cues:
        assert cue.end_s > cue.start_s
        assert 0.0 <= cue.weight <= 1.0
        if cue.viseme == CLOSED:
            assert cue.weight == 0.0
    for a, b in zip(cues, cues[1:]):
        assert b.start_s == pytest.approx(a.end_s, abs=1e-9), (a, b)
        assert (a.viseme, a.weight) != (b.viseme, b.weight), "identical neighbours were not merged"


def tone(seconds: float, f0: float = 140.0, formants: tuple[float, ...] = (700.0, 1200.0), level: float = 0.3) -> np.ndarray:
    """A vowel-like buzz: harmonics of f0 shaped by formant peaks."""
    t = np.arange(int(seconds * RATE)) / RATE
    signal = np.zeros_like(t)
    for k in range(1, int(4000 / f0)):
        f = k * f0
        gain = sum(1.0 / (1.0 + ((f - fm) / 120.0) ** 2) for fm in formants) + 0.02
        signal += gain * np.sin(2 * np.pi * f * t + k)
    return (level * signal / np.abs(signal).max()).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


# --- labels and the viseme table -------------------------------------------------------------------

def test_phonemes_come_from_between_minus_and_plus():
    labels = ["xx^xx-sil+k=o/A:xx+xx", "xx^sil-k+o=N/A:-2+1+3", "sil^k-o+N=n/A:-2+1+3", "k^o-N+n=i/A:-1+2+3"]
    assert phonemes_from_labels(labels) == ["sil", "k", "o", "N"]
    with pytest.raises(ValueError):
        phonemes_from_labels(["no label here"])


@pytest.mark.parametrize("phonemes, index, expected", [
    (["a"], 0, ("a", 1.0)),
    (["o"], 0, ("o", 1.0)),
    (["s", "U"], 1, ("u", 0.5)),                  # devoiced vowels keep their shape, lighter
    (["k", "o", "N"], 2, ("u", 0.4)),             # ん: lightly rounded
    (["m", "a"], 0, ("closed", 0.0)),             # bilabials close the lips
    (["by", "o"], 0, ("closed", 0.0)),
    (["p", "a"], 0, ("closed", 0.0)),
    (["k", "a"], 0, ("a", 0.5)),                  # other consonants anticipate the vowel, lighter
    (["sh", "i"], 0, ("i", 0.5)),
    (["k", "U"], 0, ("u", 0.25)),
    (["t", "pau"], 0, ("closed", 0.0)),           # no vowel before the pause
    (["a", "cl", "p", "a"], 1, ("closed", 0.0)),  # っぱ: lips closed
    (["i", "cl", "t", "e"], 1, ("e", 0.3)),       # って: held, nearly closed
    (["pau"], 0, ("closed", 0.0)),
    (["sil"], 0, ("closed", 0.0)),
])
def test_viseme_table(phonemes, index, expected):
    assert viseme_for(phonemes, index) == expected


# --- cues from timed phonemes ---------------------------------------------------------------------

def test_cues_from_phonemes_tile_the_audio_and_follow_the_vowels():
    phonemes = "sil k o N n i ch i w a sil".split()
    timed = timed_phonemes(phonemes, [0.2, 0.05, 0.08, 0.06, 0.04, 0.08, 0.06, 0.08, 0.03, 0.1, 0.25])
    total = sum(p.end_s - p.start_s for p in timed)
    cues = cues_from_phonemes(timed, total)
    assert_tiles(cues, total)
    assert cues[0].viseme == CLOSED and cues[0].end_s == pytest.approx(0.2)
    assert cues[-1].viseme == CLOSED and cues[-1].start_s == pytest.approx(total - 0.25)
    assert viseme_at(cues, 0.2 + 0.05 + 0.04) == ("o", 1.0)
    assert viseme_at(cues, 0.2 + 0.05 + 0.08 + 0.03) == ("u", 0.4)
    opened = [c.viseme for c in cues if c.weight == 1.0]
    assert opened == ["o", "i", "i", "a"]


def test_cover_clips_fills_gaps_and_merges():
    cues = [MouthCue(0.1, 0.2, "a", 1.0), MouthCue(0.2, 0.3, "a", 1.0), MouthCue(0.5, 9.0, "o", 0.5)]
    tiled = cover(cues, 1.0)
    assert [(c.start_s, c.end_s, c.viseme) for c in tiled] == [
        (0.0, 0.1, "closed"), (0.1, 0.3, "a"), (0.3, 0.5, "closed"), (0.5, 1.0, "o")]
    assert cover([], 0.7) == (MouthCue(0.0, 0.7, "closed", 0.0),)
    assert cover([], 0.0) == ()
    assert merge_cues([MouthCue(0, 1, "a", 1.0), MouthCue(1, 2, "a", 0.5)]) == (
        MouthCue(0, 1, "a", 1.0), MouthCue(1, 2, "a", 0.5))


def test_viseme_at_is_a_binary_search_that_agrees_with_a_scan():
    rng = random.Random(7)
    times = sorted(rng.uniform(0, 10) for _ in range(200))
    cues = tuple(MouthCue(a, b, rng.choice(["a", "i", "u", "e", "o"]), round(rng.uniform(0.1, 1), 2))
                 for a, b in zip([0.0] + times, times + [10.0]))
    for _ in range(2000):
        t = rng.uniform(-1, 11)
        expected = next(((c.viseme, c.weight) for c in cues if c.start_s <= t < c.end_s), ("closed", 0.0))
        assert viseme_at(cues, t) == expected
    assert viseme_at((), 0.5) == ("closed", 0.0)


# --- alignment without durations ------------------------------------------------------------------

def test_align_puts_pauses_in_the_silences_and_spreads_the_rest():
    samples = np.concatenate([silence(0.3), tone(0.5), silence(0.35), tone(0.7, formants=(450, 900)), silence(0.3)])
    audio = Audio(samples)
    timed = align_phonemes("sil a i pau u e o sil".split(), audio)
    by_name = {(p.phoneme, i): p for i, p in enumerate(timed)}
    assert [p.phoneme for p in timed] == "sil a i pau u e o sil".split()
    assert timed[0].start_s == 0.0 and timed[-1].end_s == pytest.approx(audio.seconds)
    for a, b in zip(timed, timed[1:]):
        assert b.start_s == pytest.approx(a.end_s)
    first_voice, second_voice = (0.3, 0.8), (1.15, 1.85)
    for name, index in (("a", 1), ("i", 2)):
        p = by_name[(name, index)]
        assert first_voice[0] - 0.03 <= p.start_s and p.end_s <= first_voice[1] + 0.03
    for name, index in (("u", 4), ("e", 5), ("o", 6)):
        p = by_name[(name, index)]
        assert second_voice[0] - 0.03 <= p.start_s and p.end_s <= second_voice[1] + 0.03
    pau = by_name[("pau", 3)]
    assert pau.start_s == pytest.approx(0.8, abs=0.03) and pau.end_s == pytest.approx(1.15, abs=0.03)


def test_align_without_a_visible_pause_shares_the_whole_span():
    audio = Audio(np.concatenate([silence(0.2), tone(1.0), silence(0.2)]))
    timed = align_phonemes("sil k a pau s a sil".split(), audio)
    assert [p.phoneme for p in timed] == "sil k a pau s a sil".split()
    assert timed[1].start_s == pytest.approx(0.2, abs=0.03)
    assert timed[-2].end_s == pytest.approx(1.2, abs=0.03)
    assert all(b.start_s == pytest.approx(a.end_s) for a, b in zip(timed, timed[1:]))


def test_voiced_regions_find_the_bursts():
    audio = Audio(np.concatenate([silence(0.25), tone(0.4), silence(0.3), tone(0.2), silence(0.1)]))
    regions = voiced_regions(audio)
    assert len(regions) == 2
    assert regions[0] == pytest.approx((0.25, 0.65), abs=0.03)
    assert regions[1] == pytest.approx((0.95, 1.15), abs=0.03)


# --- cues from the envelope ---------------------------------------------------------------------

def test_envelope_cues_are_closed_in_silence_and_open_in_sound():
    samples = np.concatenate([silence(0.4), tone(0.6), tone(0.6, formants=(300, 2300)), silence(0.5)])
    audio = Audio(samples)
    cues = cues_from_envelope(audio)
    assert_tiles(cues, audio.seconds)
    for t in np.arange(0.0, 0.37, 0.01).tolist() + np.arange(1.64, audio.seconds, 0.01).tolist():
        assert viseme_at(cues, t)[0] == "closed", t
    for t in np.arange(0.45, 1.55, 0.01):
        viseme, weight = viseme_at(cues, t)
        assert viseme != "closed" and weight >= 0.2, t


def test_envelope_weight_follows_loudness():
    audio = Audio(np.concatenate([silence(0.2), tone(0.5, level=0.02), tone(0.5, level=0.5), silence(0.2)]))
    cues = cues_from_envelope(audio)
    quiet, loud = viseme_at(cues, 0.45)[1], viseme_at(cues, 0.95)[1]
    assert 0.2 <= quiet < loud <= 1.0


def test_envelope_of_silence_and_of_nothing():
    assert cues_from_envelope(Audio(silence(1.0))) == (MouthCue(0.0, 1.0, "closed", 0.0),)
    assert cues_from_envelope(Audio(silence(0.0))) == ()


def test_timed_phonemes_checks_lengths():
    with pytest.raises(ValueError):
        timed_phonemes(["a", "i"], [0.1])
    assert timed_phonemes(["a"], [0.1], offset_s=-0.05) == [TimedPhoneme("a", -0.05, 0.05)]
