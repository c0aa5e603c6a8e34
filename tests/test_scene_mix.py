"""The scene soundtrack: lengths, lines at their times, music under them, nothing clipping."""

from __future__ import annotations

import numpy as np
import pytest

from navigator.scene.mix import MIX_RATE, duck_envelope, mix
from tests.conftest import ROOT
from voice.audio import Audio, read_wav


def tone(seconds: float, hz: float, rate: int, level: float = 0.5) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    return Audio((level * np.sin(2 * np.pi * hz * t)).astype(np.float32), rate)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_length_and_line_placement():
    line = tone(1.0, 300, 16_000)
    out = mix(5.0, [(2.0, line)])
    assert out.rate == MIX_RATE and len(out.samples) == 5 * MIX_RATE
    s = out.samples
    assert rms(s[: int(1.9 * MIX_RATE)]) == 0.0
    assert rms(s[int(2.1 * MIX_RATE): int(2.9 * MIX_RATE)]) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert rms(s[int(3.1 * MIX_RATE):]) == 0.0


def test_a_line_past_the_end_is_cut_not_extended():
    out = mix(2.0, [(1.5, tone(3.0, 300, 16_000))])
    assert len(out.samples) == 2 * MIX_RATE


def test_music_loops_follows_its_gain_and_dips_under_speech():
    music = tone(1.0, 220, 44_100, 0.5)            # 1 s, looped to 6 s
    out = mix(6.0, [(3.0, tone(1.0, 1000, 16_000, 0.0))], music, lambda t: np.where(t < 1.5, 1.0, 0.5))
    s = out.samples
    full, half = rms(s[int(0.2 * MIX_RATE): int(1.2 * MIX_RATE)]), rms(s[int(5.0 * MIX_RATE): int(5.9 * MIX_RATE)])
    ducked = rms(s[int(3.4 * MIX_RATE): int(3.6 * MIX_RATE)])
    assert full == pytest.approx(0.5 / np.sqrt(2), rel=0.05)
    assert half == pytest.approx(full / 2, rel=0.05)           # music cue halved it, and it kept looping
    assert ducked == pytest.approx(half * 0.45, rel=0.08)      # under the (silent) line


def test_loud_sum_is_limited():
    out = mix(1.0, [(0.0, tone(1.0, 300, 48_000, 0.9)), (0.0, tone(1.0, 300, 48_000, 0.9))])
    assert np.abs(out.samples).max() <= 1.0
    assert rms(out.samples) > 0.5


def test_duck_envelope_ramps():
    times = np.array([0.0, 0.85, 1.0, 1.5, 2.0, 2.3, 3.0])
    env = duck_envelope(times, [(1.0, 2.0)], depth=0.5, ramp_s=0.3)
    assert env == pytest.approx([1.0, 0.75, 0.5, 0.5, 0.5, 1.0, 1.0])


def test_shipped_music_reads_and_loops_cleanly():
    music = read_wav(ROOT / "scenes" / "music" / "soft_pad.ogg", MIX_RATE)
    assert 10 < music.seconds < 30 and rms(music.samples) > 0.05
    jump = abs(float(music.samples[0]) - float(music.samples[-1]))
    assert jump < 0.05     # the end meets the start: no click when it loops


def test_spoken_lines_are_cached_by_text_language_and_voice(tmp_path):
    from navigator.scene.lines import synthesize
    from voice.interfaces import Speech
    from voice.lipsync_types import MouthCue

    class CountingTts:
        speed, volume = 1.0, 1.0

        def __init__(self):
            self.calls = 0

        def synthesize(self, text, lang):
            self.calls += 1
            return Speech(Audio(np.full(1600, 0.1 * len(text), np.float32)), (MouthCue(0.0, 0.1, "a", 0.8),))

        def supports(self, lang):
            return True

    tts = CountingTts()
    first = synthesize(tts, "こんにちは", "ja", tmp_path)
    again = synthesize(tts, "こんにちは", "ja", tmp_path)
    assert tts.calls == 1
    assert np.array_equal(first.audio.samples, again.audio.samples) and again.cues == first.cues
    synthesize(tts, "こんにちは", "en", tmp_path)
    tts.speed = 1.2
    synthesize(tts, "こんにちは", "ja", tmp_path)
    assert tts.calls == 3                       # another language or voice setting is synthesized anew
