"""The avatar view: a QTimer asks the guide for a frame (~30 fps) and paints it, cropped to fill.

Frames are numpy RGB (wrapped as QImage.Format_RGB888 without a copy; the array is kept
alive until the next frame) or QImage. Each tick is timed (FrameTimer) for the report.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from navigator.ui.frame_timing import FrameTimer
from navigator.ui.guide import Guide, rgb_to_qimage


class AvatarView(QWidget):
    def __init__(self, guide: Guide, fps: int = 30, parent: QWidget | None = None):
        super().__init__(parent)
        self.guide = guide
        self.timing = FrameTimer()
        self.frames_shown = 0
        self.on_failure: Callable[[Exception], None] | None = None
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self._interval = round(1000 / fps)

    def start(self) -> None:
        self._timer.start(self._interval)

    def stop(self) -> None:
        self._timer.stop()

    def set_guide(self, guide: Guide) -> None:
        self.guide = guide
        self.tick()

    def last_frame(self) -> np.ndarray | None:
        return None if self._frame is None else self._frame.copy()

    def tick(self) -> None:
        """Render one frame on the UI thread (Panda3D lives here) and schedule a repaint."""
        with self.timing:
            try:
                frame = self.guide.render()
            except Exception as exc:
                self._timer.stop()
                if self.on_failure:
                    self.on_failure(exc)
                return
            if isinstance(frame, QImage):
                if frame is not self._image or self.frames_shown == 0:
                    self._frame, self._image = None, frame
                    self.frames_shown += 1
                    self.update()
            else:
                self._frame = np.ascontiguousarray(frame)
                self._image = rgb_to_qimage(self._frame)
                self.frames_shown += 1
                self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self._image is not None and not self._image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(self.rect()), self._image, _cover(self._image, self.width(), self.height()))
        painter.end()


def _cover(image: QImage, width: int, height: int) -> QRectF:
    """The part of `image` that fills a width x height box without distortion (centered crop)."""
    iw, ih = image.width(), image.height()
    if width <= 0 or height <= 0 or iw <= 0 or ih <= 0:
        return QRectF(0, 0, iw, ih)
    scale = max(width / iw, height / ih)
    cw, ch = width / scale, height / scale
    return QRectF((iw - cw) / 2, (ih - ch) / 2, cw, ch)
