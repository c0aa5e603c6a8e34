"""What the avatar view shows: the animated 3D guide, a scene (attract mode), or a still picture.

`Guide` is the small interface the window drives; `StageGuide` wraps navigator.avatar's
AvatarStage (Panda3D, on the UI thread as DESIGN.md requires), `StillGuide` is the fallback
when the 3D guide cannot run ("avatar failure → a still image").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPen

log = logging.getLogger(__name__)


class Guide(Protocol):
    """The guide as the window sees it. Every call happens on the UI thread."""

    animated: bool

    def render(self) -> np.ndarray | QImage:
        """The next frame: numpy (H, W, 3) uint8 RGB, row 0 at the top, or a QImage."""
        ...

    def speak(self, cues) -> None:
        """Move the mouth with these cues (voice.lipsync_types.MouthCue) starting now."""
        ...

    def stop_speaking(self) -> None: ...

    def greet(self) -> None: ...

    def point_at_qr(self) -> None: ...

    def attend(self) -> None:
        """Look at the visitor again (after a card is dismissed, on reset)."""
        ...

    def close(self) -> None: ...


class StageGuide:
    """The animated 3D guide (navigator.avatar.stage.AvatarStage)."""

    animated = True

    def __init__(self, size: tuple[int, int], framing: str = "landscape", model: Path | None = None,
                 renderer: str = "auto"):
        from navigator.avatar.stage import AvatarStage   # Panda3D: imported only when the guide is shown

        self.stage = AvatarStage(size=size, renderer=renderer, background="lobby", framing=framing)
        self.avatar = self.stage.add_avatar(model=model, name="guide")
        self.load_warning: str | None = getattr(self.avatar, "load_warning", None)

    def render(self) -> np.ndarray:
        return self.stage.render()

    def speak(self, cues) -> None:
        self.avatar.play_mouth_cues(list(cues), start_at=self.stage.time)

    def stop_speaking(self) -> None:
        self.avatar.stop_speaking()

    def greet(self) -> None:
        self.avatar.set_expression("happy", weight=1.0, blend_s=0.3)
        self.avatar.look_at("visitor")
        self.avatar.gesture("wave")

    def point_at_qr(self) -> None:
        self.avatar.look_at("qr")
        self.avatar.gesture("point")

    def attend(self) -> None:
        self.avatar.set_expression("neutral", weight=1.0, blend_s=0.5)
        self.avatar.look_at("visitor")

    def close(self) -> None:
        self.stage.close()


class _Unmoving:
    """A guide that does not act: speech, gestures and looks are ignored (a picture, a scene)."""

    def speak(self, cues) -> None:
        pass

    def stop_speaking(self) -> None:
        pass

    def greet(self) -> None:
        pass

    def point_at_qr(self) -> None:
        pass

    def attend(self) -> None:
        pass

    def close(self) -> None:
        pass


class StillGuide(_Unmoving):
    """A still picture of the guide: a PNG when one exists, else a calm drawn figure."""

    animated = False

    def __init__(self, size: tuple[int, int], picture: Path | None = None, frame: np.ndarray | None = None):
        self._image = self._load(picture, frame) or draw_placeholder(*size)

    @staticmethod
    def _load(picture: Path | None, frame: np.ndarray | None) -> QImage | None:
        if frame is not None:
            return rgb_to_qimage(frame).copy()
        if picture and picture.is_file():
            image = QImage(str(picture))
            return None if image.isNull() else image
        return None

    def render(self) -> QImage:
        return self._image


class SceneGuide(_Unmoving):
    """Attract mode: a prepared ScenePlayer's frames, looping on the wall clock (the scene's own lines
    are lip-synced by the player)."""

    animated = True

    def __init__(self, player, clock):
        self.player, self._clock, self._start = player, clock, clock()

    def render(self) -> np.ndarray:
        duration = max(self.player.duration, 0.1)
        return self.player.frame((self._clock() - self._start) % duration)

    def close(self) -> None:
        self.player.close()


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """A QImage over the numpy buffer (no copy): keep `frame` alive while the image is used."""
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    return QImage(frame.data, width, height, width * 3, QImage.Format.Format_RGB888)


def draw_placeholder(width: int, height: int) -> QImage:
    """A friendly, clearly drawn guide (head, shoulders, name badge) on the lobby gradient."""
    image = QImage(width, height, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    sky = QLinearGradient(0, 0, 0, height)
    sky.setColorAt(0, QColor("#dbe8f2"))
    sky.setColorAt(1, QColor("#f6f9fb"))
    painter.fillRect(0, 0, width, height, sky)
    unit = min(width, height) / 10
    cx = width / 2
    body = QPainterPath()
    body.addRoundedRect(QRectF(cx - 2.6 * unit, height - 4.2 * unit, 5.2 * unit, 5 * unit), unit, unit)
    painter.fillPath(body, QColor("#12325b"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#0f7c80"))
    painter.drawRect(QRectF(cx - 0.25 * unit, height - 4.2 * unit, 0.5 * unit, 2.4 * unit))
    painter.setBrush(QColor("#f1d3bd"))
    painter.drawEllipse(QPointF(cx, height - 5.6 * unit), 1.55 * unit, 1.75 * unit)
    painter.setBrush(QColor("#2b2420"))
    hair = QPainterPath()
    hair.addEllipse(QPointF(cx, height - 7.0 * unit), 1.65 * unit, 0.8 * unit)
    painter.drawPath(hair)
    for dx in (-0.55, 0.55):
        painter.drawEllipse(QPointF(cx + dx * unit, height - 5.55 * unit), 0.13 * unit, 0.17 * unit)
    painter.setPen(QPen(QColor("#9a4a3a"), max(2.0, 0.08 * unit)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(cx - 0.45 * unit, height - 5.25 * unit, 0.9 * unit, 0.5 * unit), 200 * 16, 140 * 16)
    painter.end()
    return image
