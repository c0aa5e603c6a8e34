"""`navigator start` (what `make run` runs): the kiosk window, or the text conversation without a display."""

from __future__ import annotations

import os

from navigator.commands.ask import chat


def run(args) -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        reason = "No display found (DISPLAY/WAYLAND_DISPLAY unset): starting the text conversation instead of the kiosk window."
    else:
        reason = "The kiosk window is not part of this version yet: starting the text conversation."
    args.lang = "auto"
    return chat(args, reason)
