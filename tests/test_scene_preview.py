"""The scene preview window (offscreen Qt): it plays, reloads on save keeping the time, and shows problems."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.conftest import ROOT  # noqa: E402

SCENE = ROOT / "scenes" / "kiosk_attract.toml"


def open_preview(qtbot, tmp_path, sink=None):
    from navigator.config import load_config
    from navigator.speech import build_tts
    from navigator.ui.scene_preview import ScenePreview

    path = tmp_path / "attract.toml"
    shutil.copy(SCENE, path)
    for folder in ("music", "sets"):
        shutil.copytree(SCENE.parent / folder, tmp_path / folder)
    window = ScenePreview(path, build_tts(load_config()), lang="ja", size=(320, 180), sink=sink)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def preview(qtbot, tmp_path):
    window = open_preview(qtbot, tmp_path)
    yield window
    window.close()


def test_sound_plays_from_the_position_and_stops_on_pause(qtbot, tmp_path):
    from voice.files import BufferSink

    sink = BufferSink(realtime=True)
    window = open_preview(qtbot, tmp_path, sink=sink)
    try:
        window.seek(1.0)
        window.play()
        qtbot.wait(600)
        window.pause()
        assert len(sink.played) == 1 and len(sink.stopped_at) == 1      # cut short by the pause
        heard = sink.played[0]
        assert 0.3 < heard.seconds < 1.2
        track = window.player.audio().resampled(16_000).samples
        expected = track[16_000: 16_000 + len(heard.samples)]              # the soundtrack from 1.0 s
        assert np.corrcoef(heard.samples, expected)[0, 1] > 0.99
    finally:
        window.close()


def test_plays_and_seeks(qtbot, preview):
    assert preview.player is not None and not preview.problem_label.isVisible()
    preview.seek(2.0)
    assert preview.time_label.text().startswith("0:02.0 / 0:1")
    assert preview.slider.value() == 2000
    still = preview.view.frame()
    preview.play()
    qtbot.wait(400)
    assert preview.t > 2.2
    assert not np.array_equal(preview.view.frame(), still)
    preview.pause()
    assert preview.play_button.text() == "▶ 再生"
    from PySide6.QtCore import Qt

    preview.seek(4.0)
    qtbot.keyClick(preview, Qt.Key.Key_Left)          # keyboard: ← back 1 s, space plays
    assert preview.t == pytest.approx(3.0)
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    assert preview.play_button.text() == "❚❚ 一時停止"


def test_reload_on_save_keeps_the_time(qtbot, preview):
    preview.seek(5.0)
    old_player = preview.player
    text = preview.path.read_text(encoding="utf-8").replace("お気軽にお尋ねください。", "なんでも聞いてください。")
    with qtbot.waitSignal(preview.reloaded, timeout=10_000) as reloaded:
        preview.path.write_text(text, encoding="utf-8")
    assert reloaded.args == [True]
    assert preview.player is not old_player
    assert preview.t == pytest.approx(5.0)
    assert any(getattr(c, "text", "") == "まちドアのことなど、なんでも聞いてください。" for c in preview.player.scene.scene.cues)


def test_broken_save_shows_the_problem_and_keeps_playing(qtbot, preview):
    preview.seek(3.0)
    good = preview.player
    text = preview.path.read_text(encoding="utf-8") + '\n[[cues]]\ntype = "gesture"\nwho = "gide"\ngesture = "wave"\n'
    with qtbot.waitSignal(preview.reloaded, timeout=10_000) as reloaded:   # saved as editors do: write, rename
        temporary = preview.path.with_name(".attract.toml.swp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, preview.path)
    assert reloaded.args == [False]
    line = len(text.splitlines()) - 1
    assert preview.problem_label.isVisible()
    assert f"{preview.path}:{line}: `gide` は出演者にいません。`guide` のまちがいではありませんか？" in preview.problem_label.text()
    assert preview.player is good and preview.t == pytest.approx(3.0)
    preview.tick()                                    # still shows frames
    assert preview.view.frame() is not None
    fixed = text.replace('who = "gide"', 'who = "guide"')
    with qtbot.waitSignal(preview.reloaded, timeout=10_000) as reloaded:   # the renamed-over file is still watched
        preview.path.write_text(fixed, encoding="utf-8")
    assert reloaded.args == [True] and not preview.problem_label.isVisible()
    assert preview.t == pytest.approx(3.0)
