"""Title cards, lower thirds and subtitles drawn with Pillow and blended onto video frames.

Each overlay is drawn once per cue (cached as an RGBA patch with its place in the frame) and
alpha-composited with numpy over only the rows and columns it covers.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from navigator.errors import UserError
from navigator.scene.timeline import OverlayItem

FONT_FALLBACKS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc",
                  "/usr/share/fonts/noto-cjk/NotoSansCJK-{}.ttc",
                  "/usr/share/fonts/google-noto-cjk/NotoSansCJK-{}.ttc")
TITLE_BACKDROP = (12, 28, 52, 120)         # navy, about half transparent
BAND = (0, 122, 94, 230)                   # Machida green band of the lower third
BAND_LIGHT = (255, 255, 255, 235)
ACCENT = (255, 196, 0, 255)


class FontMissing(UserError):
    """No Japanese (CJK) font: install fonts-noto-cjk."""


@lru_cache(maxsize=4)
def font_path(bold: bool = False) -> tuple[str, int]:
    """A Noto Sans CJK JP font file and face index (fc-match first, then known Debian paths)."""
    style = "Bold" if bold else "Regular"
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", f"Noto Sans CJK JP:style={style}"],
                               capture_output=True, text=True, timeout=10).stdout
        file, _, index = found.partition("|")
        if "CJK" in file and Path(file).is_file():
            return file, int(index or 0)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    for pattern in FONT_FALLBACKS:
        for name in (style, "Regular"):
            if Path(pattern.format(name)).is_file():
                return pattern.format(name), 0
    raise FontMissing("no Japanese font found: install fonts-noto-cjk (scripts/system-packages.txt)")


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index = font_path(bold)
    return ImageFont.truetype(path, size=max(8, size), index=index)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Lines no wider than `width`, broken between words (English) or characters (Japanese),
    never starting a line with 、。）」 and the like."""
    no_start = set("、。，．,.!?！？）」』】〕ー…ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        tokens = paragraph.split(" ") if paragraph.isascii() else list(paragraph)
        joiner = " " if paragraph.isascii() else ""
        line = ""
        for token in tokens:
            candidate = f"{line}{joiner}{token}" if line else token
            if face.getlength(candidate) <= width or not line or token in no_start:
                line = candidate
            else:
                lines.append(line)
                line = token
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Patch:
    """An RGBA image and where its top-left corner goes in the frame."""

    x: int
    y: int
    rgba: np.ndarray     # (h, w, 4) uint8


def _patch(image: Image.Image, x: int, y: int) -> Patch:
    box = image.getbbox()
    if box is None:
        return Patch(x, y, np.zeros((0, 0, 4), np.uint8))
    return Patch(x + box[0], y + box[1], np.asarray(image.crop(box)))


def draw_title(item: OverlayItem, size: tuple[int, int]) -> Patch:
    w, h = size
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    big, small = font(int(h * 0.095), bold=True), font(int(h * 0.045))
    lines = wrap(item.text, big, w * 0.86)
    line_h = int(h * 0.12)
    total = line_h * len(lines) + (int(h * 0.08) if item.subtitle else 0)
    y = (h - total) // 2
    if not item.backdrop:  # no darkened picture: a translucent band keeps the text readable
        pad = int(h * 0.03)
        draw.rectangle((0, y - pad, w, y + total + pad + int(h * 0.02)), fill=TITLE_BACKDROP[:3] + (150,))
    for line in lines:
        draw.text((w / 2, y + line_h / 2), line, font=big, fill=(255, 255, 255, 255), anchor="mm",
                  stroke_width=max(1, h // 240), stroke_fill=(0, 0, 0, 160))
        y += line_h
    bar = int(w * 0.12)
    draw.rectangle((w / 2 - bar / 2, y + h * 0.018, w / 2 + bar / 2, y + h * 0.025), fill=ACCENT)
    if item.subtitle:
        draw.text((w / 2, y + h * 0.065), item.subtitle, font=small, fill=(235, 240, 245, 255), anchor="mm",
                  stroke_width=max(1, h // 360), stroke_fill=(0, 0, 0, 140))
    return _patch(image, 0, 0)


def draw_lower_third(item: OverlayItem, size: tuple[int, int]) -> Patch:
    w, h = size
    big, small = font(int(h * 0.05), bold=True), font(int(h * 0.032))
    pad = int(h * 0.02)
    text_w = max(big.getlength(item.text), small.getlength(item.subtitle) if item.subtitle else 0)
    box_w = int(text_w + 3 * pad)
    top_h, sub_h = int(h * 0.075), (int(h * 0.05) if item.subtitle else 0)
    image = Image.new("RGBA", (box_w + pad, top_h + sub_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, pad // 2, top_h + sub_h), fill=ACCENT)
    draw.rectangle((pad // 2, 0, box_w, top_h), fill=BAND)
    draw.text((pad * 1.6, top_h / 2), item.text, font=big, fill=(255, 255, 255, 255), anchor="lm")
    if item.subtitle:
        draw.rectangle((pad // 2, top_h, box_w, top_h + sub_h), fill=BAND_LIGHT)
        draw.text((pad * 1.6, top_h + sub_h / 2), item.subtitle, font=small, fill=(30, 40, 50, 255), anchor="lm")
    return _patch(image, int(w * 0.05), int(h * 0.66))


def balanced(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Two lines of similar length when the text needs two (breaking after 、 or a space near the
    middle when there is one), else `wrap`."""
    lines = wrap(text, face, width)
    if len(lines) != 2:
        return lines
    middle = len(text) / 2
    breaks = [i + 1 for i, c in enumerate(text[:-1]) if c in "、，, " and abs(i + 1 - middle) < len(text) * 0.3]
    cut = min(breaks, key=lambda i: abs(i - middle)) if breaks else int(round(middle))
    first, second = text[:cut].strip(), text[cut:].strip()
    if second and second[0] in "、。，．,.!?！？）」』" :
        first, second = first + second[0], second[1:].strip()
    if face.getlength(first) <= width and face.getlength(second) <= width:
        return [first, second]
    return lines


def draw_subtitle(item: OverlayItem, size: tuple[int, int]) -> Patch:
    w, h = size
    face = font(int(h * 0.048), bold=True)
    lines = balanced(item.text, face, w * 0.84)
    line_h = int(h * 0.065)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    bottom = h - int(h * 0.05)
    for i, line in enumerate(lines):
        y = bottom - line_h * (len(lines) - i) + line_h / 2
        draw.text((w / 2, y), line, font=face, fill=(255, 255, 255, 255), anchor="mm",
                  stroke_width=max(2, h // 180), stroke_fill=(0, 0, 0, 255))
    return _patch(image, 0, 0)


DRAWERS = {"title": draw_title, "lower_third": draw_lower_third, "subtitle": draw_subtitle}


def darken(frame: np.ndarray, colour: tuple[int, int, int, int], alpha: float) -> None:
    """Blend the whole frame toward `colour` (RGBA, A = strength) in place, through per-channel tables."""
    a = colour[3] / 255.0 * alpha
    if a <= 0:
        return
    levels = np.arange(256, dtype=np.float32)
    for channel in range(3):
        table = np.round(levels * (1 - a) + colour[channel] * a).astype(np.uint8)
        frame[..., channel] = table[frame[..., channel]]


def composite(frame: np.ndarray, patch: Patch, alpha: float = 1.0) -> None:
    """Blend `patch` into `frame` (H, W, 3 uint8) in place, over only the area it covers."""
    ph, pw = patch.rgba.shape[:2]
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(patch.x, 0), max(patch.y, 0), min(patch.x + pw, fw), min(patch.y + ph, fh)
    if x1 <= x0 or y1 <= y0 or alpha <= 0:
        return
    src = patch.rgba[y0 - patch.y: y1 - patch.y, x0 - patch.x: x1 - patch.x]
    a = src[..., 3:4].astype(np.uint16) * int(round(alpha * 256)) >> 8        # 0..255
    dst = frame[y0:y1, x0:x1]
    dst[...] = ((dst.astype(np.uint16) * (255 - a) + src[..., :3].astype(np.uint16) * a + 127) // 255).astype(np.uint8)


class OverlayPainter:
    """Draws a state's overlays onto frames of one size, caching each cue's patch."""

    def __init__(self, size: tuple[int, int], subtitles: bool = True):
        self.size = size
        self.subtitles = subtitles
        self._cache: dict[tuple, Patch] = {}

    def patch(self, item: OverlayItem) -> Patch:
        key = (item.kind, item.index, item.text, item.subtitle, item.backdrop)
        if key not in self._cache:
            self._cache[key] = DRAWERS[item.kind](item, self.size)
        return self._cache[key]

    def paint(self, frame: np.ndarray, overlays: tuple[OverlayItem, ...]) -> np.ndarray:
        """`frame` with the overlays on it (titles under lower thirds under subtitles)."""
        order = {"title": 0, "lower_third": 1, "subtitle": 2}
        for item in sorted(overlays, key=lambda o: order[o.kind]):
            if item.kind == "subtitle" and not self.subtitles:
                continue
            if item.kind == "title" and item.backdrop:
                darken(frame, TITLE_BACKDROP, item.alpha)
            composite(frame, self.patch(item), item.alpha)
        return frame
