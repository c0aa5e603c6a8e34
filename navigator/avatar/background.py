"""Stage backdrops drawn as vertex-coloured 2-D quads (fast in the software renderer, no textures).

Coordinates are in the unit square: x 0..1 left to right, y 0..1 bottom to top.
"""

from __future__ import annotations

from dataclasses import dataclass

from navigator.errors import UserError

Color = tuple[float, float, float]


@dataclass(frozen=True)
class Quad:
    x0: float
    y0: float
    x1: float
    y1: float
    bottom: Color
    top: Color


def hex_color(text: str) -> Color:
    value = text.strip().lstrip("#")
    if len(value) != 6:
        raise UserError(f"background colour {text!r}: use #rrggbb")
    try:
        return tuple(int(value[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        raise UserError(f"background colour {text!r}: use #rrggbb") from None


def _lobby() -> list[Quad]:
    """A calm, bright city-hall lobby: warm wall, tall windows with sky, wood floor, a green accent band."""
    wall_top, wall_bottom = (0.93, 0.91, 0.87), (0.86, 0.83, 0.78)
    quads = [Quad(0, 0.24, 1, 1, wall_bottom, wall_top)]
    for i in range(4):  # tall windows
        x0 = 0.04 + i * 0.245
        quads.append(Quad(x0 - 0.008, 0.37, x0 + 0.188, 0.95, (0.80, 0.78, 0.74), (0.80, 0.78, 0.74)))
        quads.append(Quad(x0, 0.38, x0 + 0.18, 0.94, (0.80, 0.90, 0.95), (0.58, 0.76, 0.92)))
        quads.append(Quad(x0 + 0.086, 0.38, x0 + 0.094, 0.94, (0.82, 0.80, 0.76), (0.82, 0.80, 0.76)))
    quads.append(Quad(0, 0.30, 1, 0.325, (0.30, 0.62, 0.52), (0.38, 0.70, 0.60)))  # accent band
    quads.append(Quad(0, 0.0, 1, 0.24, (0.66, 0.52, 0.40), (0.80, 0.68, 0.55)))    # floor
    quads.append(Quad(0, 0.235, 1, 0.25, (0.70, 0.66, 0.60), (0.70, 0.66, 0.60)))  # skirting
    return quads


PRESETS = {
    "lobby": _lobby,
    "sky": lambda: [Quad(0, 0, 1, 1, (0.86, 0.93, 0.97), (0.45, 0.68, 0.90))],
    "studio": lambda: [Quad(0, 0, 1, 1, (0.78, 0.80, 0.84), (0.95, 0.96, 0.97))],
}


def backdrop(spec) -> list[Quad]:
    """Quads for "lobby" | "sky" | "studio" | "#rrggbb" | ("#top", "#bottom")."""
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        return [Quad(0, 0, 1, 1, hex_color(spec[1]), hex_color(spec[0]))]
    if isinstance(spec, str) and spec.startswith("#"):
        color = hex_color(spec)
        return [Quad(0, 0, 1, 1, color, color)]
    if spec in PRESETS:
        return PRESETS[spec]()
    raise UserError(f"background {spec!r}: use lobby, sky, studio, #rrggbb or a (top, bottom) colour pair")
