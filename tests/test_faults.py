"""Fault injection on the real voice loop (Silero VAD, Whisper, the catalog, OpenJTalk): a device
or engine that fails is reported with a stable code and the kiosk carries on, never a crash.

Also here: a corrupt speech model, and an LLM endpoint that is down (doctor side). Disk full for
logs and a config edited to invalid while running are in tests/test_ops.py.
"""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import sounddevice

from conftest import ROOT, edited_config, run_cli
from navigator.ops.soak import Clip, TurnSource
from navigator.spoken_samples import visitor_audio
from voice import events as ev
from voice.devices import AudioDeviceError, ResilientSource, SpeakerSink
from voice.files import BufferSink, BufferSource
from voice.pipeline import VoicePipeline


class Events(list):
    def __call__(self, event) -> None:
        self.append(event)

    def of(self, kind) -> list:
        return [e for e in self if isinstance(e, kind)]

    def errors(self, code: ev.ErrorCode) -> list:
        return [e for e in self.of(ev.StageError) if e.code == code]


def pipeline(kiosk_voice, source, sink, events, tts=None) -> VoicePipeline:
    engines, answer, settings = kiosk_voice
    return VoicePipeline(source, sink, engines.vad_factory(), engines.stt, tts or engines.tts, answer, events, settings)


def test_microphone_disappears_mid_question_and_returns(kiosk_voice):
    first, second = visitor_audio("住民票の写しがほしいです"), visitor_audio("マイナンバーカードを作りたい", seed=1)
    opened: list[str] = []

    class Unplugged:
        """A microphone that dies like PortAudio does, mid-question."""

        def frames(self):
            for index, frame in enumerate(BufferSource(first).frames()):
                if index == 40:
                    raise sounddevice.PortAudioError("Error reading stream: Unanticipated host error [PaErrorCode -9999]")
                yield frame

        def close(self):
            pass

    def open_microphone():
        opened.append("try")
        if len(opened) == 1:
            return Unplugged()
        if len(opened) <= 3:   # still unplugged: the device is not even listed
            raise AudioDeviceError("input device 'USB' not found (available: none)")
        return BufferSource(second)

    events = Events()
    source = ResilientSource(open_microphone, backoff=(0.05, 0.1))
    voice = pipeline(kiosk_voice, source, BufferSink(), events)
    source.on_event = events
    voice.run()   # returns when the (reconnected) microphone ends: the loop survived

    assert len(events.errors(ev.ErrorCode.MIC_UNAVAILABLE)) == 1, events.of(ev.StageError)
    assert "PaErrorCode -9999" in events.errors(ev.ErrorCode.MIC_UNAVAILABLE)[0].message
    assert len(opened) == 4 and source.outages == 1
    answers = events.of(ev.AnswerReady)
    assert answers and answers[-1].service_ids[0] == "mynumber-card"
    assert isinstance(events[-1], ev.PlaybackFinished)


class FakePortAudio:
    """sounddevice's surface that SpeakerSink uses, with a speaker that can be pulled out."""

    PortAudioError = sounddevice.PortAudioError

    def __init__(self):
        self.present = True
        self.fail_after_writes: int | None = None
        self.streams = 0
        self.written = 0

    def query_devices(self, device=None, kind=None):
        devices = [{"name": "USB Speaker", "max_input_channels": 0, "max_output_channels": 2,
                    "default_samplerate": 48000.0}] if self.present else []
        if device is None and kind is None:
            return devices
        if not devices:
            raise sounddevice.PortAudioError("Error querying device -1")
        return devices[device or 0]

    def OutputStream(self, **options):
        if not self.present:
            raise sounddevice.PortAudioError("Error opening OutputStream: Invalid device [PaErrorCode -9996]")
        fake = self
        fake.streams += 1

        class Stream:
            def start(self):
                pass

            def write(self, block):
                if fake.fail_after_writes is not None and fake.written >= fake.fail_after_writes:
                    fake.fail_after_writes = None
                    fake.present = False
                    threading.Timer(0.3, lambda: setattr(fake, "present", True)).start()   # plugged back in
                    raise sounddevice.PortAudioError("Error writing stream: Device unavailable [PaErrorCode -9985]")
                fake.written += 1

            def stop(self):
                pass

            abort = stop

            def close(self):
                pass

        return Stream()


def test_speaker_fails_mid_answer_is_reported_once_and_the_kiosk_continues(kiosk_voice, monkeypatch):
    fake = FakePortAudio()
    monkeypatch.setattr("voice.devices._sd", lambda: fake)
    speaker = SpeakerSink("USB", retry_s=0.2)
    fake.fail_after_writes = 30          # 0.6 s into the first answer
    events = Events()
    turns: list[Events] = []
    clips = [Clip("question-ja", visitor_audio(q, seed=i))
             for i, q in enumerate(["粗大ごみを出したいんですが", "児童手当の申請をしたいです"])]
    voice = None

    def before(index, clip):
        events.clear()

    def after(index, clip):
        assert voice.wait_idle(60)
        turns.append(Events(events))

    source = TurnSource(clips, 2, before, after, pause_s=0.5)
    voice = pipeline(kiosk_voice, source, speaker, events)
    voice.run()

    first, second = turns
    assert len(first.errors(ev.ErrorCode.SPEAKER_UNAVAILABLE)) == 1
    assert "PaErrorCode -9985" in first.errors(ev.ErrorCode.SPEAKER_UNAVAILABLE)[0].message
    assert first.of(ev.AnswerReady)[0].service_ids[0] == "oversized-garbage"   # subtitles still shown
    assert not second.of(ev.StageError) and second.of(ev.AnswerReady)[0].service_ids[0] == "child-allowance"
    assert fake.streams >= 2 and second.of(ev.PlaybackFinished)   # reopened, and spoke again
    written_before = fake.written
    assert speaker.play(visitor_audio("はい")) and fake.written > written_before


def test_no_voice_for_a_language_gives_subtitles_and_one_error(kiosk_voice):
    from voice.tts import SpeechRouter
    from voice.tts_openjtalk import OpenJTalkTts
    from voice.tts_pyttsx3 import Pyttsx3Tts

    english = Pyttsx3Tts(speed=0.95).synthesize("How do I throw away oversized garbage?", "en").audio
    pad = np.zeros(8000, np.float32)
    question_en = type(english)(np.concatenate([pad, english.resampled(16000).samples, pad]))
    clips = [Clip("question-en", question_en), Clip("question-ja", visitor_audio("印鑑登録をしたいです"))]
    events, turns, voice = Events(), [], None

    def after(index, clip):
        assert voice.wait_idle(60)
        turns.append(Events(events))
        events.clear()

    japanese_only = SpeechRouter(japanese=OpenJTalkTts(), other=None)   # [tts] other = "none"
    voice = pipeline(kiosk_voice, TurnSource(clips, 2, lambda i, c: None, after, pause_s=0.5), BufferSink(), events,
                     tts=japanese_only)
    voice.run()
    english_turn, japanese_turn = turns
    failures = english_turn.errors(ev.ErrorCode.TTS_FAILED)
    assert len(failures) == 1 and "'en'" in failures[0].message
    assert english_turn.of(ev.AnswerReady)[0].lang == "en"            # the subtitles are there
    assert not japanese_turn.of(ev.StageError) and japanese_turn.of(ev.SpeechAudio)   # and it still speaks Japanese


def test_corrupt_speech_model_is_named_with_the_fix(tmp_path):
    from voice.whisper_model import default_cache_dir, resolve_model

    good = resolve_model("base", default_cache_dir())
    broken = tmp_path / "whisper"
    shutil.copytree(good, broken, ignore=shutil.ignore_patterns("model.bin", ".verified.json"))
    (broken / "model.bin").write_bytes((good / "model.bin").read_bytes()[:5_000_000])
    config = edited_config(tmp_path, ('model = "base"', f'model = "{broken}"'))
    question = tmp_path / "q.wav"
    from voice.audio import write_wav

    write_wav(question, visitor_audio("住民票がほしい"))
    result = run_cli("--config", str(config), "talk", "--in", str(question))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert str(broken / "model.bin") in result.stderr and 'model = "base"' in result.stderr


def test_llm_endpoint_down_is_a_doctor_fail_with_the_fix(tmp_path):
    import socket

    from navigator.config import load_config
    from navigator.ops.doctor import Context
    from navigator.ops.doctor.llm import llm_endpoint

    with socket.socket() as probe:          # a port where nothing listens (the server died)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = load_config(ROOT / "kiosk_config.toml")
    config = config.model_copy(update={"llm": config.llm.model_copy(update={
        "enabled": True, "base_url": f"http://127.0.0.1:{port}/v1", "model": "gemma", "timeout_s": 3})})
    started = time.monotonic()
    check = llm_endpoint(Context(config, environ={"OPENAI_API_KEY": "test"}))
    assert check.status == "FAIL" and f"127.0.0.1:{port}" in check.detail
    assert "catalog" in check.fix and time.monotonic() - started < 10


_SERVER_RESTART = r'''
import json, os, subprocess, sys, threading, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from pulse import PulseCard
card = PulseCard()
os.environ.update(card.kiosk_env())          # before PortAudio starts: it lists devices once
from voice.audio import Audio
from voice.devices import AudioDeviceError, MicrophoneSource, ResilientSource, SpeakerSink
result = {}
tone = Audio((0.3 * np.sin(np.arange(8000) / 16000 * 2 * np.pi * 440)).astype(np.float32))
try:
    speaker = SpeakerSink("", retry_s=0.5)
    events, frames = [], []
    microphone = ResilientSource(lambda: MicrophoneSource(""), on_event=events.append, backoff=(0.2, 0.5, 1.0))
    threading.Thread(target=lambda: [frames.append(time.monotonic()) for _ in microphone.frames()], daemon=True).start()
    time.sleep(1.0)
    result["frames_before"], result["played_before"] = len(frames), speaker.play(tone)
    subprocess.run(["pulseaudio", "-k"], env=card.env, check=True)           # the sound server dies
    time.sleep(0.5)
    try:
        speaker.play(tone)
        result["first_play_after_crash"] = "played"
    except AudioDeviceError as exc:
        result["first_play_after_crash"] = str(exc)
    started = time.monotonic()
    result["silent_play"] = speaker.play(tone)
    result["silent_play_s"] = round(time.monotonic() - started, 2)
    time.sleep(3.0)
    result["mic_events"] = [e.code.value for e in events]
    subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "--disallow-exit", "-n",
                    "--load=module-native-protocol-unix", "--load=module-always-sink"], env=card.env, check=True)
    time.sleep(1.0)
    for name in ("kiosk_mic", "kiosk_out"):
        card.pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=16000", "channels=1", "norewinds=1")
    card.pactl("set-default-sink", "kiosk_out")
    card.pactl("set-default-source", "kiosk_mic.monitor")
    count = len(frames)
    time.sleep(4.0)
    result["frames_after_restart"] = len(frames) - count
    time.sleep(0.6)
    recording, stop = card.record()
    time.sleep(0.3)
    result["played_after"] = speaker.play(tone) and speaker.play(tone)
    time.sleep(0.5)
    stop()
    result["heard_after_rms"] = recording.audio().rms()
    result["mic_events_total"] = len(events)
    microphone.close()
    speaker.close()
finally:
    card.close()
print("RESULT " + json.dumps(result))
'''


def test_sound_server_crash_and_restart_on_real_devices():
    """PulseAudio itself dies under a running microphone and speaker, then comes back."""
    import json
    import subprocess
    import sys

    process = subprocess.run([sys.executable, "-c", _SERVER_RESTART, str(ROOT / "tests")], capture_output=True,
                             text=True, timeout=120, cwd=ROOT)
    line = next((l for l in process.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, process.stderr[-2000:]
    result = json.loads(line[7:])
    assert result["frames_before"] > 10 and result["played_before"] is True
    assert "the speaker failed" in result["first_play_after_crash"]             # reported once...
    assert result["silent_play"] is True and result["silent_play_s"] >= 0.4    # ...then subtitles keep their pace
    assert result["mic_events"] == ["mic-unavailable"]                         # one report per outage
    assert result["frames_after_restart"] > 50                                  # the microphone is back by itself
    assert result["played_after"] is True and result["heard_after_rms"] > 0.05  # and the speaker is heard again
    assert result["mic_events_total"] == 1
