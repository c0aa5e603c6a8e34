"""`navigator scene preview FILE`: a window that plays a scene and reloads it whenever the file is saved.

Play/pause, a seek slider and the time. On save the scene is read again and the time position
kept; a file with problems shows them (`FILE:LINE: message`) above the picture and the last good
version keeps playing. Panda3D (through ScenePlayer) stays on this, the Qt main thread. Sound is
optional: given a sink (the kiosk's speaker), the soundtrack plays from the current position on a
worker thread and stops on pause, seek and reload.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QFileSystemWatcher, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout,
                               QWidget)

from navigator.scene.messages import config_language, message
from navigator.ui.guide import rgb_to_qimage
from navigator.ui.theme import FONT_FAMILY

RELOAD_DELAY_MS = 150          # editors save in several steps (write, rename): wait for the last one
UI_TEXT = {
    "play": {"ja": "▶ 再生", "en": "▶ Play"},
    "pause": {"ja": "❚❚ 一時停止", "en": "❚❚ Pause"},
    "loading": {"ja": "読み込み中…", "en": "Loading…"},
}


class FrameView(QWidget):
    """Paints the latest frame, letterboxed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_frame(self, frame: np.ndarray) -> None:
        self._frame = np.ascontiguousarray(frame)
        self._image = rgb_to_qimage(self._frame)
        self.update()

    def frame(self) -> np.ndarray | None:
        return None if self._frame is None else self._frame.copy()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            iw, ih = self._image.width(), self._image.height()
            scale = min(self.width() / iw, self.height() / ih)
            w, h = iw * scale, ih * scale
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h), self._image)
        painter.end()


class ScenePreview(QWidget):
    """Plays `path` with a ScenePlayer; reloads on save keeping the time; shows problems instead of crashing."""

    reloaded = Signal(bool)         # True: the new version plays; False: it has problems (shown)

    def __init__(self, path: Path, tts, lang: str = "ja", size: tuple[int, int] = (960, 540),
                 fps: int = 30, sink=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.path, self.tts, self.lang, self.size = Path(path).resolve(), tts, lang, size
        self.sink = sink                    # a voice AudioSink, or None for a silent preview
        self._soundtrack = None
        self._sound_thread: threading.Thread | None = None
        self.player = None
        self.problems: list[str] = []
        self._t = 0.0
        self._playing = False
        self._play_started = (0.0, 0.0)     # (wall clock, scene time) when play was pressed
        self.setWindowTitle(f"{self.path.name} — scene preview")

        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.setStyleSheet("background:#fff0f0; color:#a00000; padding:6px;")
        self.problem_label.setFont(QFont(FONT_FAMILY, 10))
        self.problem_label.hide()
        self.view = FrameView()
        self.play_button = QPushButton(UI_TEXT["play"][lang])
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(lambda ms: self.seek(ms / 1000))
        self.slider.sliderPressed.connect(lambda: self.seek(self.slider.value() / 1000))
        self.time_label = QLabel("0:00.0 / 0:00.0")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)

        for key, action in ((Qt.Key.Key_Space, self.toggle), (Qt.Key.Key_Left, lambda: self.seek(self._t - 1.0)),
                            (Qt.Key.Key_Right, lambda: self.seek(self._t + 1.0)), (Qt.Key.Key_Home, lambda: self.seek(0.0))):
            QShortcut(QKeySequence(key), self, activated=action)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)    # Space toggles playback, not the focused button
        self.watcher = QFileSystemWatcher([str(self.path)])
        self.watcher.fileChanged.connect(self._file_changed)
        self.watcher.directoryChanged.connect(self._file_changed)   # editors that replace the file by renaming
        self.watcher.addPath(str(self.path.parent))
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.timeout.connect(self.reload)
        self._last_text: str | None = None
        self._tick_timer = QTimer(self)
        self._tick_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick_timer.timeout.connect(self.tick)
        self._tick_timer.start(round(1000 / fps))
        self.reload()

    # --- loading ---------------------------------------------------------------------------------

    def _file_changed(self, _path: str) -> None:
        if str(self.path) not in self.watcher.files() and self.path.exists():
            self.watcher.addPath(str(self.path))       # renamed over: watch the new file
        self._reload_timer.start(RELOAD_DELAY_MS)

    def reload(self) -> bool:
        """Read the file again; on success switch to it at the same time position."""
        from navigator.scene.model import SceneError, load_scene
        from navigator.scene.player import ScenePlayer

        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            text = None
        if text is not None and text == self._last_text and not self.problems:
            return True            # a directory event that did not change this file
        self._last_text = text
        try:
            loaded = load_scene(self.path, lang=self.lang)
            player = ScenePlayer(loaded, size=self.size, tts=self.tts)
            player.prepare()
        except SceneError as exc:
            self._show_problems(exc.problems)
            self.reloaded.emit(False)
            return False
        self._stop_sound()
        old, self.player = self.player, player
        self._soundtrack = None
        if old is not None:
            old.close()
        self._show_problems([])
        self.slider.setRange(0, int(player.duration * 1000))
        self.seek(min(self._t, player.duration))
        if player.warnings:        # e.g. an avatar file that could not be used: the built-in guide stands in
            self.problem_label.setText("\n".join(player.warnings))
            self.problem_label.setStyleSheet("background:#fff8e0; color:#805000; padding:6px;")
            self.problem_label.show()
        self.reloaded.emit(True)
        return True

    def _show_problems(self, problems: list[str]) -> None:
        self.problems = list(problems)
        self.problem_label.setStyleSheet("background:#fff0f0; color:#a00000; padding:6px;")
        self.problem_label.setText("\n".join(problems))
        self.problem_label.setVisible(bool(problems))

    # --- playing ---------------------------------------------------------------------------------

    @property
    def t(self) -> float:
        return self._t

    def toggle(self) -> None:
        self.play() if not self._playing else self.pause()

    def play(self) -> None:
        self._playing = True
        self._play_started = (time.monotonic(), self._t)
        self.play_button.setText(UI_TEXT["pause"][self.lang])
        self._start_sound()

    def pause(self) -> None:
        self._playing = False
        self.play_button.setText(UI_TEXT["play"][self.lang])
        self._stop_sound()

    def seek(self, t: float) -> None:
        self._t = max(0.0, min(t, self.player.duration if self.player else t))
        self._play_started = (time.monotonic(), self._t)
        self.show_time(self._t)
        if self._playing:
            self._start_sound()

    # --- sound (optional) ------------------------------------------------------------------------

    def _start_sound(self) -> None:
        """Play the soundtrack from the current position (replacing what plays now)."""
        self._stop_sound()
        if self.sink is None or self.player is None:
            return
        from voice.audio import Audio

        if self._soundtrack is None:
            self._soundtrack = self.player.audio()
        track = self._soundtrack
        rest = Audio(track.samples[int(self._t * track.rate):], track.rate)
        self._sound_thread = threading.Thread(target=self._play_sound, args=(rest,), name="scene-preview-sound",
                                              daemon=True)
        self._sound_thread.start()

    def _play_sound(self, audio) -> None:
        try:
            self.sink.play(audio)
        except Exception:  # a speaker that fails leaves a silent preview, never a crash
            self.sink = None

    def _stop_sound(self) -> None:
        thread, self._sound_thread = self._sound_thread, None
        if thread is not None and self.sink is not None:
            self.sink.stop()
            thread.join(timeout=1.0)

    def tick(self) -> None:
        if self.player is None:
            return
        if self._playing:
            started, at = self._play_started
            self._t = at + time.monotonic() - started
            if self._t >= self.player.duration:          # loop
                self.seek(0.0)
        self.show_time(self._t)

    def show_time(self, t: float) -> None:
        if self.player is None:
            return
        t = min(t, self.player.duration)
        try:
            frame = self.player.frame(t)
        except Exception as exc:  # shown in the window; the preview stays open for the next save
            self.pause()
            self._show_problems([f"{self.path}: {type(exc).__name__}: {exc}"])
            return
        self.view.show_frame(frame)
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(t * 1000))
            self.slider.blockSignals(False)
        self.time_label.setText(f"{_clock(t)} / {_clock(self.player.duration)}")

    def closeEvent(self, event) -> None:
        self._tick_timer.stop()
        self._stop_sound()
        if self.player is not None:
            self.player.close()
            self.player = None
        super().closeEvent(event)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{secs:04.1f}"


def _speaker(config):
    """The kiosk's speaker for the preview's sound, or None (a silent preview) when there is none."""
    try:
        from voice.devices import AudioDeviceError, SpeakerSink

        return SpeakerSink(config.audio.output_device, volume=config.audio.volume)
    except (AudioDeviceError, OSError, ImportError):
        return None


def run_preview(path: Path, config) -> int:
    """The `navigator scene preview` window (returns when it is closed)."""
    from navigator.display import has_display_hint
    from navigator.errors import UserError
    from navigator.scene.model import load_scene
    from navigator.speech import build_tts

    lang = config_language(config)
    if not Path(path).is_file():
        load_scene(path, lang=lang)           # raises the one-line "file not found"
    if not has_display_hint(os.environ) and os.name == "posix":
        raise UserError(message(lang, "no_display"))
    app = QApplication.instance() or QApplication([])
    window = ScenePreview(path, build_tts(config), lang=lang, sink=_speaker(config))
    window.resize(1000, 660)
    window.show()
    window.play()
    return app.exec()
