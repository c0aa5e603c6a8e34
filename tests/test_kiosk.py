"""The kiosk end to end: the headless screenshot check (QR read back from the picture) and voice turns
through the real pipeline (Whisper, OpenJTalk) from WAV sources, with the failures a lobby meets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PIL import Image  # noqa: E402

from conftest import ROOT, run_cli  # noqa: E402
from navigator.config import SttSection, load_config  # noqa: E402
from navigator.spoken_samples import visitor_audio  # noqa: E402
from navigator.ui.strings import load_strings  # noqa: E402
from test_ui import open_kiosk  # noqa: E402,F401  (a fixture)
from voice import events as ev  # noqa: E402
from voice.audio import write_wav  # noqa: E402
from voice.devices import AudioDeviceError  # noqa: E402
from voice.files import BufferSink, BufferSource  # noqa: E402

DAYCARE = "4月から娘を保育所に預けたいです"


def test_headless_screenshot_shows_answer_avatar_and_a_readable_qr(tmp_path):
    import zxingcpp

    png = tmp_path / "kiosk.png"
    result = run_cli("kiosk", "--ask", DAYCARE, "--screenshot", str(png), "--json",
                     env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{"):])
    expected = json.loads(run_cli("ask", "--json", DAYCARE).stdout)
    image = Image.open(png)
    assert image.width >= 1024
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode] == [expected["urls"][0]]
    assert report["service_ids"][0] == expected["service_ids"][0] == "daycare-application"
    assert report["avatar"] == "animated" and report["frames_shown"] >= 6 and report["banners"] == []
    print(f"\nUI thread per avatar frame (headless --ask): {report['ui_frame_ms']}")


def test_headless_check_in_english_at_a_given_size(tmp_path):
    png = tmp_path / "en.png"
    result = run_cli("kiosk", "--ask", "住民票がほしい", "--lang", "en", "--size", "1280x800", "--screenshot", str(png),
                     "--json", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["lang"] == "en" and report["size"] == [1280, 800] and Image.open(png).size == (1280, 800)
    assert report["service_ids"][0] == "residence-certificate"


def test_headless_check_needs_a_question(tmp_path):
    result = run_cli("kiosk", "--screenshot", str(tmp_path / "x.png"), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2 and "--ask" in result.stderr and "Traceback" not in result.stderr


def test_headless_check_into_a_folder_that_cannot_be_made(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = run_cli("kiosk", "--ask", "住民票がほしい", "--screenshot", str(tmp_path / "taken" / "x.png"),
                     env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2 and "--screenshot" in result.stderr and "Traceback" not in result.stderr


def test_voice_wav_check_reports_ui_thread_timings(tmp_path):
    """The benchmark: one spoken question through the kiosk; UI-thread time per frame during the turn."""
    wav = tmp_path / "question.wav"
    write_wav(wav, visitor_audio("子どもを保育園に入れたいです"))
    result = run_cli("kiosk", "--voice-wav", str(wav), "--screenshot", str(tmp_path / "voice.png"), "--json",
                     env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["service_ids"][0] == "daycare-application" and "保育園" in report["question"]
    assert report["measured_during"] == "voice turn" and report["ui_frame_ms"]["count"] > 30
    print(f"\nvoice turn: UI thread per frame {report['ui_frame_ms']}, event-loop lag {report['event_loop_lag_ms']}")


# -- voice turns in the window ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "kiosk_config.toml")


@pytest.fixture(scope="module")
def engines(kiosk_voice):
    return kiosk_voice[0]       # the shipped config's engines, loaded once for every voice test (conftest)


@pytest.fixture
def voice_kiosk(open_kiosk):
    """test_ui's kiosk windows, with the voice loop on."""
    return lambda config, **options: open_kiosk(config, voice=True, **options)


def spoken(text: str):
    return lambda: BufferSource(visitor_audio(text), realtime=True, tail_s=2.0)


def test_voice_turn_updates_subtitles_card_and_lip_sync(voice_kiosk, qtbot, config, engines):
    sink = BufferSink(realtime=True)
    kiosk, window = voice_kiosk(config, engines=engines, source_factory=spoken("子どもを保育園に入れたいです"),
                                sink_factory=lambda: sink)
    seen: dict[str, object] = {}

    def watch(event) -> None:   # connected after the window's own handler: sees the state it produced
        if isinstance(event, ev.PlaybackStarted) and "speaking" not in seen:
            seen["speaking"] = window.avatar.guide.avatar.is_speaking()
            seen["subtitle"] = window.subtitles.guide_text
            seen["state"] = window.indicator.state
        if isinstance(event, ev.PlaybackFinished):
            seen["finished"] = True

    window.voice_signals.event.connect(watch)
    levels: list[int] = []
    window.voice_signals.level.connect(lambda rms: levels.append(window.indicator.level.value()))
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=90_000)
    assert max(levels) > 30 > min(levels)          # the level meter rose while the visitor spoke
    assert "保育園" in window.subtitles.visitor_text
    assert window.card.answer.service_ids[0] == "daycare-application"
    assert window.card.qr_url == kiosk.services.catalog.service("daycare-application").urls[0]
    assert window.session.state == "active"
    qtbot.waitUntil(lambda: "speaking" in seen, timeout=60_000)
    assert seen["speaking"] is True and seen["state"] == "speaking"
    assert seen["subtitle"] and seen["subtitle"] in window.card.answer.text
    window.avatar.timing.samples.clear()
    qtbot.waitUntil(lambda: "finished" in seen, timeout=90_000)
    assert sink.audio().seconds > 2 and not window.avatar.guide.avatar.is_speaking()
    print(f"\nUI thread per avatar frame while speaking: {window.avatar.timing.samples.summary()}")


def test_no_microphone_means_touch_only_with_a_banner(voice_kiosk, qtbot, config, engines):
    def no_mic():
        raise AudioDeviceError("no input device found (available: none)")

    sink = BufferSink()
    kiosk, window = voice_kiosk(config, engines=engines, source_factory=no_mic, sink_factory=lambda: sink)
    qtbot.waitUntil(lambda: "banner_no_mic" in window.banner.codes, timeout=60_000)
    assert window.indicator.state == "off" and window.banner.isVisible()
    window.ask_text("粗大ごみを出したい")       # touch and typing still work, and the guide still speaks
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=10_000)
    assert window.card.answer.service_ids[0] == "oversized-garbage"
    qtbot.waitUntil(lambda: sink.audio().seconds > 1, timeout=60_000)


def test_missing_speech_model_means_touch_only(voice_kiosk, qtbot, config):
    broken = config.model_copy(update={"stt": SttSection(model=str(ROOT / "no-such-model"))})
    kiosk, window = voice_kiosk(broken, sink_factory=BufferSink)
    qtbot.waitUntil(lambda: "banner_no_stt" in window.banner.codes, timeout=60_000)
    assert window.indicator.state == "off" and not window.voice_available


class BrokenVoice:
    """A TTS whose engine fails (a missing voice, a crashed synthesizer)."""

    def synthesize(self, text, lang):
        raise RuntimeError("the voice engine crashed")

    def supports(self, lang):
        return True


def test_tts_failure_leaves_subtitles(voice_kiosk, qtbot, config, engines):
    from navigator.speech import Engines

    silent = Engines(vad_factory=engines.vad_factory, stt=engines.stt, tts=BrokenVoice())
    kiosk, window = voice_kiosk(config, engines=silent, source_factory=spoken("住民票の写しがほしいです"),
                                sink_factory=BufferSink)
    qtbot.waitUntil(lambda: "banner_no_tts" in window.banner.codes, timeout=90_000)
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=10_000)
    assert window.card.answer.service_ids[0] == "residence-certificate"
    assert window.subtitles.guide_text and window.subtitles.guide_text in window.card.answer.text
    assert not window.tts_available


def test_start_falls_back_to_the_text_conversation_without_a_display():
    bare = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    for env in (bare, {**bare, "DISPLAY": ":99"}):     # no display at all; a display Qt cannot open
        result = subprocess.run([sys.executable, "-m", "navigator", "start"], input="住民票がほしい\n",
                                capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "text conversation" in result.stdout and "住民票" in result.stdout


def test_technician_device_choice_restarts_the_voice_loop(voice_kiosk, qtbot, config, engines):
    ready = []
    kiosk, window = voice_kiosk(config, engines=engines, source_factory=spoken("はい"), sink_factory=BufferSink)
    window.voice_signals.event.connect(lambda e: ready.append(e) if isinstance(e, ev.Ready) else None)
    qtbot.waitUntil(lambda: bool(ready), timeout=60_000)
    old = kiosk.voice
    kiosk.services.technician.apply_devices("no-such-microphone", "")
    assert kiosk.voice is not old and kiosk.voice.input_device == "no-such-microphone"
    qtbot.waitUntil(lambda: "banner_no_mic" in window.banner.codes, timeout=30_000)
    assert window.indicator.state == "off" and not window.voice_available


def test_microphone_that_comes_back_ends_touch_only_mode(voice_kiosk, qtbot, config, engines):
    attempts: list[int] = []
    seen: list[str] = []

    def plugged_in_late():
        attempts.append(1)
        if len(attempts) == 1:
            raise AudioDeviceError("input device 'USB' not found (available: none)")
        return BufferSource(visitor_audio("住民票の写しがほしいです"), realtime=True, tail_s=2.0)

    kiosk, window = voice_kiosk(config, engines=engines, source_factory=plugged_in_late, sink_factory=BufferSink)
    window.voice_signals.event.connect(lambda e: seen.append(",".join(window.banner.codes)))
    qtbot.waitUntil(lambda: any("banner_no_mic" in codes for codes in seen), timeout=60_000)
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=90_000)
    assert window.card.answer.service_ids[0] == "residence-certificate"
    assert "banner_no_mic" not in window.banner.codes and window.voice_available


def english_visitor() -> BufferSource:
    """An English question in espeak-ng's voice (unlike the kiosk's own English voice settings: slower)."""
    import numpy as np

    from voice.audio import RATE, Audio
    from voice.tts_pyttsx3 import Pyttsx3Tts

    speech = Pyttsx3Tts(speed=0.9).synthesize("I need a copy of my residence certificate.", "en").audio.resampled(RATE)
    silence = np.zeros(int(0.8 * RATE), np.float32)
    return BufferSource(Audio(np.concatenate([silence, speech.samples, silence])), realtime=True, tail_s=2.0)


def test_spoken_english_switches_the_kiosk_to_english(voice_kiosk, qtbot, config, engines):
    kiosk, window = voice_kiosk(config, engines=engines, source_factory=english_visitor, sink_factory=BufferSink)
    assert window.lang == "ja"
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=90_000)
    assert window.lang == "en" and window.card.answer.lang == "en"
    assert window.card.answer.service_ids[0] == "residence-certificate"
    assert window.talk_button.text() == load_strings().get("talk", "en") and "certificate" in window.subtitles.visitor_text


def test_a_touch_while_the_guide_speaks_cuts_it_short(voice_kiosk, qtbot, config, engines):
    from navigator.app import SilentSource

    sink = BufferSink(realtime=True)
    kiosk, window = voice_kiosk(config, engines=engines, source_factory=SilentSource, sink_factory=lambda: sink)
    started: list[str] = []
    window.voice_signals.event.connect(lambda e: started.append(e.sentence) if isinstance(e, ev.PlaybackStarted) else None)
    qtbot.mouseClick(window.categories.buttons["garbage"], Qt.MouseButton.LeftButton)   # a visitor: the greeting starts
    qtbot.waitUntil(lambda: bool(started), timeout=60_000)
    assert started[0] in load_strings().get("greeting", "ja")
    qtbot.mouseClick(window.services_page.buttons["oversized-garbage"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(sink.stopped_at), timeout=5_000)                     # the greeting was cut
    answer = window.card.answer
    qtbot.waitUntil(lambda: any(s in answer.text for s in started[1:]), timeout=60_000)
    assert window.subtitles.guide_text in answer.text
