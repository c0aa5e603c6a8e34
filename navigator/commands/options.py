"""Command-line values shared by several commands."""

from __future__ import annotations

from navigator.errors import UserError


def parse_size(text: str, *, smallest: int = 16, largest: tuple[int, int] = (8192, 8192), even: bool = False,
               example: str = "1280x720") -> tuple[int, int]:
    """`--size WIDTHxHEIGHT` → (width, height), or a one-line UserError saying what is allowed."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size {text!r}: use WIDTHxHEIGHT, e.g. {example}") from None
    fits = smallest <= width <= largest[0] and smallest <= height <= largest[1]
    if not fits or (even and (width % 2 or height % 2)):
        raise UserError(f"--size {text!r}: width {smallest}-{largest[0]} and height {smallest}-{largest[1]} pixels"
                        + (", both even" if even else ""))
    return width, height
