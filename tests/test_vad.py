"""Voice activity and end of turn: the pure TurnDetector on synthetic probabilities, and the
streaming Silero VAD on real (OpenJTalk) speech, white noise and silence."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from voice.audio import FRAME, RATE, Audio
from voice.turns import TurnConfig, TurnDetector, TurnEnded, TurnEvent, TurnStarted
from voice.vad import SileroVad, VadModelMissing

CFG = TurnConfig()
F = CFG.frame_s
END_SILENCE_FRAMES = 16          # ceil(0.5 / 0.032)
MIN_SPEECH_FRAMES = 8            # ceil(0.25 / 0.032)


# --- the state machine, on synthetic probabilities ------------------------------------------

def seq(*parts: tuple[float, int]) -> list[float]:
    """A probability sequence from (value, number of frames) parts."""
    return [value for value, count in parts for _ in range(count)]


def run(probs: Iterable[float], detector: TurnDetector | None = None) -> list[tuple[int, TurnEvent]]:
    """Feed every probability; return (frame index, event) for each event."""
    detector = detector or TurnDetector(CFG)
    return [(i, ev) for i, p in enumerate(probs) if (ev := detector.feed(p)) is not None]


def events(probs: Iterable[float]) -> list[TurnEvent]:
    return [ev for _, ev in run(probs)]


def test_frame_counts_used_by_these_tests_match_the_defaults():
    assert CFG.frames(CFG.end_silence_s) == END_SILENCE_FRAMES
    assert CFG.frames(CFG.min_speech_s) == MIN_SPEECH_FRAMES


@pytest.mark.parametrize("burst", [1, 3, MIN_SPEECH_FRAMES - 1])
def test_a_burst_shorter_than_min_speech_gives_no_event_at_all(burst):
    detector = TurnDetector(CFG)
    assert run(seq((0.0, 10), (0.95, burst), (0.0, 100)), detector) == []
    assert not detector.in_turn and detector.speaking_s == 0.0


def test_a_burst_of_exactly_min_speech_starts_a_turn():
    got = events(seq((0.0, 10), (0.95, MIN_SPEECH_FRAMES), (0.0, 40)))
    assert [type(e) for e in got] == [TurnStarted, TurnEnded]


def test_bursts_separated_by_long_silence_do_not_add_up():
    burst = (0.9, MIN_SPEECH_FRAMES - 2)
    assert events(seq(burst, (0.0, END_SILENCE_FRAMES), burst, (0.0, END_SILENCE_FRAMES), burst, (0.0, 50))) == []


def test_a_normal_utterance_starts_then_ends_on_silence():
    lead, speech = 20, 47
    got = run(seq((0.02, lead), (0.9, speech), (0.03, 60)))
    assert [type(e) for _, e in got] == [TurnStarted, TurnEnded]
    (i_start, started), (i_end, ended) = got
    assert started == TurnStarted(pytest.approx(lead * F))
    assert i_start == lead + MIN_SPEECH_FRAMES - 1           # emitted as soon as min_speech_s is reached
    assert ended.reason == "silence"
    assert ended.start_s == pytest.approx(lead * F)
    assert ended.speech_end_s == pytest.approx((lead + speech) * F)
    assert abs(ended.decided_s - ended.speech_end_s - CFG.end_silence_s) <= F + 1e-9
    assert ended.decided_s == pytest.approx((i_end + 1) * F)  # decided at the end of the deciding frame


def test_pauses_shorter_than_end_silence_do_not_split_an_utterance():
    probs = seq((0.9, 30), (0.05, 12), (0.8, 30), (0.1, END_SILENCE_FRAMES - 1), (0.7, 10), (0.0, 40))
    got = events(probs)
    assert [type(e) for e in got] == [TurnStarted, TurnEnded]
    assert got[1].start_s == 0.0
    assert got[1].speech_end_s == pytest.approx((30 + 12 + 30 + END_SILENCE_FRAMES - 1 + 10) * F)


def test_a_pause_of_end_silence_does_split_an_utterance():
    got = events(seq((0.9, 30), (0.05, END_SILENCE_FRAMES), (0.9, 30), (0.0, 40)))
    assert [type(e) for e in got] == [TurnStarted, TurnEnded, TurnStarted, TurnEnded]
    assert got[2].start_s == pytest.approx((30 + END_SILENCE_FRAMES) * F)


def test_an_endless_utterance_is_cut_at_max_length():
    config = TurnConfig(max_utterance_s=3.0)
    got = run(seq((0.0, 5), (0.99, 300)), TurnDetector(config))
    assert isinstance(got[0][1], TurnStarted)
    ended = got[1][1]
    assert isinstance(ended, TurnEnded) and ended.reason == "max_length"
    assert abs(ended.decided_s - ended.start_s - 3.0) <= F + 1e-9
    assert ended.speech_end_s == pytest.approx(ended.decided_s)   # still talking when cut
    # the speaker goes on talking: the next turn starts right away
    assert isinstance(got[2][1], TurnStarted) and got[2][1].start_s == pytest.approx(ended.decided_s)


def test_values_between_the_thresholds_do_not_start_a_turn():
    detector = TurnDetector(CFG)
    assert run(seq((0.45, 200), (0.36, 50)), detector) == []
    assert not detector.in_speech and not detector.in_turn


def test_values_between_the_thresholds_keep_an_ongoing_turn_alive():
    lead, speech, middle = 5, 20, 3 * END_SILENCE_FRAMES
    got = events(seq((0.0, lead), (0.9, speech), (0.4, middle), (0.0, 30)))
    assert [type(e) for e in got] == [TurnStarted, TurnEnded]
    assert got[1].speech_end_s == pytest.approx((lead + speech + middle) * F)


def test_after_a_dip_below_end_threshold_middle_values_do_not_resume_speech():
    # 0.3 leaves speech; the following 0.45s are not enough to re-enter it, so the silence counts on
    got = run(seq((0.9, 20), (0.3, 1), (0.45, 40)))
    assert [type(e) for _, e in got] == [TurnStarted, TurnEnded]
    i_end, ended = got[1]
    assert ended.speech_end_s == pytest.approx(20 * F)
    assert i_end == 20 + END_SILENCE_FRAMES - 1


def test_speaking_view_for_barge_in():
    detector = TurnDetector(CFG)
    run(seq((0.0, 10), (0.9, 16)), detector)
    assert detector.in_speech and detector.in_turn
    assert detector.speaking_s == pytest.approx(16 * F)
    assert detector.speaking_s >= 0.5                         # enough to interrupt the kiosk
    detector.feed(0.1)
    assert not detector.in_speech and detector.in_turn
    assert detector.speaking_s == pytest.approx(16 * F)       # a dip does not forget the speech
    assert detector.now_s == pytest.approx(27 * F)


def test_reset_drops_a_turn_in_progress_and_restarts_the_clock():
    detector = TurnDetector(CFG)
    run(seq((0.0, 50), (0.9, 30)), detector)
    assert detector.in_turn
    detector.reset()
    assert not detector.in_turn and not detector.in_speech and detector.speaking_s == 0.0 and detector.now_s == 0.0
    assert run(seq((0.0, 40)), detector) == []                # no TurnEnded for the dropped turn
    got = run(seq((0.9, 20), (0.0, 20)), detector)
    assert got[0][1] == TurnStarted(pytest.approx(40 * F))


def test_drop_turn_forgets_the_turn_but_keeps_the_stream_clock():
    detector = TurnDetector(CFG)
    run(seq((0.0, 50), (0.9, 30)), detector)
    detector.drop_turn()
    assert not detector.in_turn and detector.speaking_s == 0.0 and detector.now_s == pytest.approx(80 * F)
    assert run(seq((0.0, 40)), detector) == []                # the dropped turn never ends
    got = run(seq((0.9, 20), (0.0, 20)), detector)
    assert got[0][1] == TurnStarted(pytest.approx(120 * F))   # later times still count from the stream start
    assert got[1][1].speech_end_s == pytest.approx(140 * F)


@pytest.mark.parametrize(("field", "value"), [
    ("start_threshold", 0.0), ("start_threshold", 1.5), ("start_threshold", float("nan")),
    ("end_threshold", 0.0), ("end_threshold", 0.6),          # above start_threshold: no hysteresis
    ("min_speech_s", -0.1),
    ("end_silence_s", 0.0), ("end_silence_s", float("inf")),
    ("max_utterance_s", 0.2),                                  # not longer than min_speech_s
    ("pre_roll_s", -1.0),
    ("frame_s", 0.0), ("frame_s", True), ("frame_s", "0.032"),
])
def test_invalid_config_raises_a_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=f"TurnConfig.{field} "):
        TurnConfig(**{field: value})


# --- the Silero model on real audio ----------------------------------------------------------

@pytest.fixture(scope="module")
def speech() -> tuple[Audio, float, float]:
    """OpenJTalk speech with 1 s of silence either side, and where the voice really is (s)."""
    import pyopenjtalk

    wav, sr = pyopenjtalk.synthesize(pyopenjtalk.extract_fullcontext("住民票の写しがほしいです"))
    voice = Audio((wav / 32768.0).astype(np.float32), sr).resampled(RATE)
    start, end = voiced_span(voice)
    clip = Audio.concat([Audio.silence(1.0), voice, Audio.silence(1.0)])
    return clip, 1.0 + start, 1.0 + end


def voiced_span(audio: Audio) -> tuple[float, float]:
    """First and last 10 ms window louder than -40 dBFS rms (OpenJTalk pads its own silence)."""
    hop = RATE // 100
    windows = audio.samples[: len(audio.samples) // hop * hop].reshape(-1, hop)
    loud = np.flatnonzero(np.sqrt(np.mean(windows**2, axis=1)) > 0.01)
    return loud[0] / 100, (loud[-1] + 1) / 100


def frames_of(audio: Audio) -> np.ndarray:
    n = len(audio.samples) // FRAME
    return audio.samples[: n * FRAME].reshape(n, FRAME)


def probabilities(vad: SileroVad, frames: np.ndarray) -> np.ndarray:
    return np.array([vad.probability(f) for f in frames])


def frames_within(start_s: float, end_s: float, count: int) -> slice:
    """Frames lying entirely inside [start_s, end_s)."""
    return slice(int(np.ceil(start_s * RATE / FRAME)), min(count, int(end_s * RATE / FRAME)))


def test_speech_is_speech_and_silence_is_silence(speech):
    clip, start, end = speech
    probs = probabilities(SileroVad(), frames_of(clip))
    assert probs[frames_within(start, end, len(probs))].mean() > 0.5
    before = probs[frames_within(0.0, 1.0, len(probs))]
    after = probs[frames_within(clip.seconds - 1.0, clip.seconds, len(probs))]
    silence = np.r_[before, after]
    assert len(silence) >= 55
    assert silence.mean() < 0.2


def test_white_noise_stays_below_start_threshold():
    noise = np.random.default_rng(1).standard_normal(3 * RATE).astype(np.float32) * 0.05
    probs = probabilities(SileroVad(), frames_of(Audio(noise)))
    assert np.mean(probs >= CFG.start_threshold) < 0.1
    assert run(probs) == []                                   # and the detector hears no turn


def test_state_is_carried_across_frames(speech):
    from faster_whisper.vad import SileroVADModel  # one call over the whole clip: the LSTM runs over all frames

    clip, _, _ = speech
    frames = frames_of(clip)
    vad = SileroVad()
    streamed = probabilities(vad, frames)
    whole = np.ravel(SileroVADModel(str(vad.model_path))(frames.reshape(-1)))
    np.testing.assert_allclose(streamed, whole, atol=1e-5)

    vad.reset()                                               # reset restores the initial state exactly
    np.testing.assert_array_equal(probabilities(vad, frames), streamed)

    def fresh(frame: np.ndarray) -> float:
        vad.reset()
        return vad.probability(frame)

    forgetful = np.array([fresh(f) for f in frames])
    assert np.abs(forgetful - streamed).max() > 0.3


def test_detector_with_vad_finds_the_one_turn_where_the_speech_is(speech):
    clip, start, end = speech
    vad, detector = SileroVad(), TurnDetector(CFG)
    got = [ev for f in frames_of(clip) if (ev := detector.feed(vad.probability(f))) is not None]
    assert [type(e) for e in got] == [TurnStarted, TurnEnded]
    started, ended = got
    assert abs(started.start_s - start) <= 0.25
    assert ended.reason == "silence" and ended.start_s == started.start_s
    assert abs(ended.speech_end_s - end) <= 0.7
    assert 0.0 < ended.decided_s - end <= 0.7                 # the end-of-turn budget, plus the model's tail


def test_frames_must_be_512_samples():
    vad = SileroVad()
    with pytest.raises(ValueError, match="512"):
        vad.probability(np.zeros(FRAME - 1, np.float32))


def test_a_missing_model_is_reported_with_its_path(tmp_path: Path):
    missing = tmp_path / "nowhere" / "silero_vad_v6.onnx"
    with pytest.raises(VadModelMissing, match=str(missing)):
        SileroVad(missing)


def test_a_frame_costs_well_under_a_millisecond():
    vad = SileroVad()
    frames = frames_of(Audio(np.random.default_rng(2).standard_normal(2 * RATE).astype(np.float32) * 0.1))
    vad.probability(frames[0])                                # warm up
    costs = []
    for f in frames:
        t = time.perf_counter()
        vad.probability(f)
        costs.append(time.perf_counter() - t)
    assert statistics.median(costs) < 1e-3                    # ~0.15 ms measured; 32 ms of audio per frame
