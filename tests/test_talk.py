"""`navigator talk`: a spoken turn from a WAV, and live on (PulseAudio null-sink) sound devices."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import ROOT, run_cli
from navigator.spoken_samples import visitor_audio
from pulse import PulseCard
from voice.audio import RATE, Audio, read_wav, write_wav


def silence_after(audio: Audio, threshold: float = 0.02) -> float:
    """Seconds between the last voiced sample and the end of `audio`."""
    loud = np.flatnonzero(np.abs(audio.samples) > threshold)
    return (len(audio.samples) - loud[-1]) / RATE if len(loud) else 0.0


def test_talk_from_a_wav_writes_a_spoken_reply(tmp_path):
    question, reply = tmp_path / "q.wav", tmp_path / "reply.wav"
    audio = visitor_audio("子どもを保育園に入れたいです")
    stereo_48k = np.repeat(audio.resampled(48_000).samples[:, None], 2, axis=1)   # any rate, any channels
    import soundfile
    soundfile.write(question, stereo_48k, 48_000)
    result = run_cli("talk", "--in", str(question), "--out", str(reply), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "保育園" in data["transcript"] and data["lang"] == "ja"
    assert data["service_ids"][0] == "daycare-application" and data["urls"]
    assert set(data["timings_ms"]) == {"end_of_speech_detection", "stt", "answer", "tts_first_audio",
                                       "end_of_speech_to_first_audio"}
    assert all(value is not None and value >= 0 for value in data["timings_ms"].values())
    spoken = read_wav(reply)
    assert spoken.seconds > 3 and spoken.rms() > 0.02


def test_talk_on_silence_says_nothing_was_heard(tmp_path):
    silence = tmp_path / "silence.wav"
    write_wav(silence, Audio.silence(3.0))
    result = run_cli("talk", "--in", str(silence), "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["transcript"] == "" and data["service_ids"] == []


def test_talk_names_an_unreadable_file(tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00not really a wav")
    result = run_cli("talk", "--in", str(broken), "--json")
    assert result.returncode != 0 and str(broken) in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def card():
    card = PulseCard()
    yield card
    card.close()


def test_live_turn_over_null_sink_devices(card):
    """The kiosk process listens on one null sink and speaks into another; the test is the visitor."""
    process = subprocess.Popen([sys.executable, "-m", "navigator", "talk", "--live", "--turns", "1", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env=card.kiosk_env())
    lines: list[dict] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(json.loads(line))
            if lines[-1]["event"] == "ready":
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(timeout=90), process.stderr.read() if process.poll() is not None else lines
        assert lines[0]["event"] == "ready" and set(lines[0]) == {"event", "t", "clock"}
        recording, stop_recording = card.record()
        time.sleep(0.3)
        question = visitor_audio("マイナンバーカードを作りたい")
        question_end = card.speak(question) - silence_after(question)
        process.wait(timeout=120)
        stop_recording()
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    events = [line["event"] for line in lines]
    assert process.returncode == 0, process.stderr.read()
    assert events.index("speech_started") < events.index("speech_ended") < events.index("transcript")
    answer = next(line for line in lines if line["event"] == "answer")
    assert answer["service_ids"][0] == "mynumber-card"
    assert "playback_started" in events and events[-1] == "playback_finished"
    first_reply = recording.first_sound_after(question_end)
    assert first_reply is not None, "no reply was heard on the speaker"
    reply = Audio(np.concatenate([c for t, c in recording.chunks if t >= first_reply]))
    assert reply.seconds > 3 and reply.rms() > 0.02
    latency = first_reply - question_end
    print(f"\nlive: end of speech → first reply audio {latency * 1000:.0f} ms (measured outside the kiosk)")
    assert 0 < latency < 10
