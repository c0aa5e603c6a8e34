"""Bad input never breaks the kiosk: huge, binary, emoji and mixed-script text; empty, clipped,
48 kHz stereo, 8-bit, NaN-filled and endless audio; and personal-data scrubbing in linear time."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from conftest import ROOT, run_cli
from navigator.spoken_samples import visitor_audio
from voice import events as ev
from voice.audio import RATE, Audio, read_wav
from voice.files import BufferSink, BufferSource
from voice.pipeline import VoicePipeline

NASTY_TEXT = {
    "long": "住民票がほしい" * 15_000,
    "binary": np.random.default_rng(7).bytes(4000).decode("latin-1").replace("\r", " ").replace("\n", " "),
    "nul-and-control": "住民票\x00\x01\x1b[31mがほしい\x1b[0m",
    "emoji": "🏠➡️🏢 住民票😀😀 ほしい🙏",
    "emoji-only": "😀😀😀👍🏽",
    "mixed-scripts": "I need 住民票 주민등록 شهادة la résidence Ｊｕｍｉｎｈｙｏ",
    "bidi-override": "\u202e住民票\u202c",
    "whitespace": "   \t  ",
}


def test_every_kind_of_bad_text_gets_an_answer_line():
    lines = "\n".join(NASTY_TEXT.values()).encode("utf-8", "surrogatepass")
    lines += b"\n\xff\xfe\xfa invalid utf-8 \xc3\x28\n"   # bytes that are not UTF-8 at all
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "navigator", "ask", "--jsonl"], input=lines, capture_output=True,
                            cwd=ROOT, timeout=120)
    answers = [json.loads(line) for line in result.stdout.decode("utf-8").split("\n") if line]   # valid UTF-8 only
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    names = [name for name, text in NASTY_TEXT.items() if text.strip()] + ["invalid-utf8"]   # blank lines are skipped
    assert len(answers) == len(names) and time.monotonic() - started < 60
    by_name = dict(zip(names, answers))
    assert by_name["long"]["service_ids"][0] == "residence-certificate"
    assert by_name["emoji"]["service_ids"][0] == "residence-certificate"
    assert by_name["binary"]["service_ids"] == [] and by_name["emoji-only"]["service_ids"] == []
    assert all(a["answer"] for a in answers)   # always something kind to show
    assert by_name["invalid-utf8"]["question"].startswith("\ufffd")   # undecodable bytes shown as replacement marks


@pytest.mark.parametrize("text", ["😀😀😀👍🏽", np.random.default_rng(3).bytes(300).decode("latin-1"), "。。。！？", "住民票" * 200],
                         ids=["emoji", "binary", "punctuation", "long"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_speech_engines_survive_bad_text(text, lang):
    from navigator.config import load_config
    from navigator.speech import build_tts

    speech = build_tts(load_config(ROOT / "kiosk_config.toml")).synthesize(text, lang)
    assert np.isfinite(speech.audio.samples).all() and np.abs(speech.audio.samples).max(initial=0) <= 1.0


@pytest.mark.parametrize("text", ["1-" * 50_000, "0" * 100_000, "a." * 100_000, "a@" * 50_000, "042 " * 30_000,
                                  "町田市" + "1の" * 30_000])
def test_personal_data_filter_is_fast_on_any_input(text):
    from navigator.ops.pii import scrub

    started = time.perf_counter()
    scrub(text)
    assert time.perf_counter() - started < 1.0


def one_turn(kiosk_voice, audio: Audio) -> list:
    engines, answer, settings = kiosk_voice
    events: list = []
    voice = VoicePipeline(BufferSource(audio), BufferSink(), engines.vad_factory(), engines.stt, engines.tts, answer,
                          events.append, settings)
    voice.run()
    assert voice.wait_idle(60), "the voice loop froze"
    return events


def failures(events) -> list:
    return [e for e in events if isinstance(e, ev.StageError) and e.code != ev.ErrorCode.NO_SPEECH]


def test_empty_audio(kiosk_voice):
    events = one_turn(kiosk_voice, Audio(np.zeros(0, np.float32)))
    assert not failures(events) and not any(isinstance(e, ev.AnswerReady) for e in events)


def test_extremely_loud_clipped_question(kiosk_voice):
    question = visitor_audio("粗大ごみを出したいんですが")
    events = one_turn(kiosk_voice, Audio(np.clip(question.samples * 8, -1, 1)))
    answers = [e for e in events if isinstance(e, ev.AnswerReady)]
    assert not failures(events) and answers and answers[0].service_ids[0] == "oversized-garbage"


def test_full_scale_square_wave_and_nan_noise(kiosk_voice):
    t = np.arange(3 * RATE) / RATE
    square = np.sign(np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    nan_noise = np.random.default_rng(1).normal(0, 0.1, 3 * RATE).astype(np.float32)
    nan_noise[::7] = np.nan                                 # the name promised it: a driver handing over NaNs
    events = one_turn(kiosk_voice, Audio(np.concatenate([square, nan_noise])))
    assert not failures(events)


def test_endless_speech_is_cut_at_the_utterance_cap(kiosk_voice):
    parts = [visitor_audio(q, seed=i, lead_s=0.05, tail_s=0.05).samples
             for i, q in enumerate(["住民票の写しがほしいです", "印鑑登録をしたいです"] * 5)]
    long_talk = Audio(np.concatenate(parts))            # ~20 s without a pause
    assert long_talk.seconds > 16
    events = one_turn(kiosk_voice, long_talk)
    ended = [e for e in events if isinstance(e, ev.SpeechEnded)]
    assert not failures(events) and ended and ended[0].audio.seconds <= 15 + 1.5


@pytest.mark.parametrize("kind", ["48k-stereo-float-with-nan", "8-bit-unsigned", "24-bit-44k", "empty"])
def test_odd_wav_files_through_talk(tmp_path, kind):
    question = visitor_audio("子どもを保育園に入れたいです")
    path = tmp_path / f"{kind}.wav"
    if kind == "48k-stereo-float-with-nan":
        data = np.repeat(question.resampled(48_000).samples[:, None], 2, axis=1)
        data[1000:1010] = np.nan
        data[2000] = np.inf
        soundfile.write(path, data, 48_000, subtype="FLOAT")
    elif kind == "8-bit-unsigned":
        soundfile.write(path, question.samples, RATE, subtype="PCM_U8")
    elif kind == "24-bit-44k":
        soundfile.write(path, question.resampled(44_100).samples, 44_100, subtype="PCM_24")
    else:
        soundfile.write(path, np.zeros(0, np.float32), RATE, subtype="PCM_16")
    assert np.isfinite(read_wav(path).samples).all()
    result = run_cli("talk", "--in", str(path), "--json")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    data = json.loads(result.stdout)
    assert not [e for e in data["errors"] if e["code"] != "no-speech"]
    if kind == "empty":
        assert result.returncode == 1 and data["transcript"] == ""
    else:
        assert result.returncode == 0 and data["service_ids"][0] == "daycare-application"


def test_stereo_only_48k_microphone_is_mixed_to_16k_mono(monkeypatch):
    """A USB microphone that opens only in stereo at 48 kHz (common on cheap conference mics)."""
    import sounddevice

    from voice.devices import MicrophoneSource

    opened: list[int] = []

    class FakePortAudio:
        def query_devices(self, device=None, kind=None):
            devices = [{"name": "USB Conference Mic", "max_input_channels": 2, "max_output_channels": 0,
                        "default_samplerate": 48000.0}]
            return devices if device is None and kind is None else devices[device or 0]

        def InputStream(self, channels, callback, **options):
            if channels != 2:
                raise sounddevice.PortAudioError("Invalid number of channels [PaErrorCode -9998]")
            opened.append(channels)

            class Stream:
                def start(self):
                    t = np.arange(48_000) / 48_000
                    tone = 0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
                    stereo = np.stack([tone, np.clip(tone * 3, -1, 1)], axis=1)   # right channel clipped
                    for start in range(0, len(stereo), 960):
                        callback(stereo[start:start + 960], 960, None, None)

                def stop(self):
                    pass

                def close(self):
                    pass

            return Stream()

    monkeypatch.setattr("voice.devices._sd", lambda: FakePortAudio())
    microphone = MicrophoneSource("USB")
    frames = []
    for frame in microphone.frames():
        frames.append(frame.samples)
        if len(frames) * 512 >= 14_000:
            break
    microphone.close()
    samples = np.concatenate(frames)
    assert opened == [2] and microphone.rate == 48_000
    assert all(len(f) == 512 for f in frames) and np.abs(samples).max() <= 1.0
    spectrum = np.abs(np.fft.rfft(samples[2000:10192]))
    assert abs(np.argmax(spectrum) * RATE / 8192 - 440) < 5      # still a 440 Hz tone at 16 kHz
