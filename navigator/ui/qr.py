"""QR codes for the answer card: segno → PNG in memory → QImage, crisp and with a quiet zone."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QImage


def qr_image(url: str, target_px: int) -> QImage:
    """A QR code of `url`, at least `target_px` wide, whole pixels per module, 4-module quiet zone."""
    code = segno.make(url, error="m", micro=False)
    modules = code.symbol_size(border=4)[0]
    scale = max(4, -(-target_px // modules))     # whole pixels per module, at least target_px wide
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4, dark="#000000", light="#ffffff")
    image = QImage()
    image.loadFromData(buffer.getvalue(), "PNG")
    return image
