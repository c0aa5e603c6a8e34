"""Scene export: a short MP4 with H.264 video and AAC audio, its .srt, and the player's frames."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.conftest import ROOT, run_cli

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SCENES = ROOT / "scenes"


def test_render_four_seconds_gives_video_and_audio(tmp_path):
    import av

    out = tmp_path / "attract.mp4"
    result = run_cli("scene", "render", str(SCENES / "kiosk_attract.toml"), "-o", str(out),
                     "--seconds", "4", "--size", "640x360")
    assert result.returncode == 0, result.stderr
    assert "100.0%" in result.stderr and "fps" in result.stderr           # the progress line
    from navigator.scene.video import probe

    info = probe(out)
    assert info["video"]["codec"] == "h264" and (info["video"]["width"], info["video"]["height"]) == (640, 360)
    assert info["video"]["seconds"] == pytest.approx(4.0, abs=0.1)
    assert info["audio"]["codec"] == "aac" and info["audio"]["seconds"] == pytest.approx(4.0, abs=0.15)

    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
        rate = container.streams.audio[0].rate
    before, during = samples[: int(0.25 * rate)], samples[int(0.6 * rate): int(2.6 * rate)]
    rms = lambda x: float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    assert rms(before) > 0.005                  # the music is there from the start
    assert rms(during) > 2 * rms(before)        # and the first line is spoken over it

    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,300 --> ") and "こんにちは！町田市役所へようこそ。" in srt


def test_player_frames_are_deterministic_and_carry_subtitles(tmp_path):
    from navigator.config import load_config
    from navigator.scene.model import LineCue, load_scene
    from navigator.scene.player import ScenePlayer
    from navigator.speech import build_tts

    loaded = load_scene(SCENES / "kiosk_attract.toml", lang="ja")
    tts = build_tts(load_config())
    with ScenePlayer(loaded, size=(320, 180), tts=tts) as player, \
            ScenePlayer(loaded, size=(320, 180), tts=tts, subtitles=False) as plain:
        player.prepare()
        plain.prepare()
        line = player.timeline.of_type(LineCue)[0]
        t = (line.start + line.end) / 2
        steps = [i / 10 for i in range(int(t * 10) + 1)] + [t]
        for step in steps:                                        # played through at a fixed step...
            first = player.frame(step)
            without = plain.frame(step)
        assert first.shape == (180, 320, 3) and first.dtype == np.uint8
        with ScenePlayer(loaded, size=(320, 180), tts=tts) as again:
            again.prepare()
            for step in steps:
                repeated = again.frame(step)
        assert np.array_equal(repeated, first)                    # ...the same video every time
        player.frame(t + 3.0)
        seeked = player.frame(t)
        # seeking back restarts the running gesture at its cue's time; only the avatar's idle glances,
        # decided from what it has already been told, may differ a little
        assert np.mean(np.any(seeked != first, axis=2)) < 0.015
        changed = np.argwhere(np.any(first != without, axis=2))
        assert len(changed) > 200                                 # the subtitle is drawn...
        assert changed[:, 0].min() > 180 * 0.7                    # ...in the bottom part only
        assert len(player.audio().samples) == pytest.approx(player.duration * 48_000, abs=2)


def test_gesture_lengths_on_the_timeline_match_the_avatar():
    from navigator.avatar.stage import AvatarStage
    from navigator.scene.timeline import GESTURE_SECONDS

    with AvatarStage(size=(64, 64)) as stage:
        guide = stage.add_avatar(name="guide")
        played = {name: guide.gesture(name) for name in GESTURE_SECONDS}
    assert played == pytest.approx(GESTURE_SECONDS, abs=0.05)


def test_a_failure_while_finishing_the_file_is_reported_not_a_hang(tmp_path):
    import threading

    from navigator.scene.video import Mp4Writer, VideoWriteError

    writer = Mp4Writer(tmp_path / "full.mp4", (64, 64), 10)

    def disk_full():
        raise OSError("No space left on device")

    writer._finish = disk_full
    writer.write(np.zeros((64, 64, 3), np.uint8))
    outcome: list = []

    def close():
        try:
            writer.close()
            outcome.append(None)
        except VideoWriteError as exc:
            outcome.append(exc)

    closer = threading.Thread(target=close, daemon=True)
    closer.start()
    closer.join(timeout=10)
    assert not closer.is_alive(), "close() hangs when finishing the file fails"
    assert isinstance(outcome[0], VideoWriteError) and "No space left on device" in str(outcome[0])
