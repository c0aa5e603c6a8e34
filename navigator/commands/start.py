"""`navigator start` (what `make run` runs): the kiosk window, or the text conversation when there is no display.

Whether Qt can open the display is tried in a short child process first: a Qt that cannot
reach the display aborts the whole process, and the fallback must still run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import Namespace

from navigator.commands.ask import chat

QT_PROBE = "from PySide6.QtGui import QGuiApplication; QGuiApplication([]).primaryScreen().size()"


def display_problem() -> str | None:
    """None when the kiosk window can open, else why not (one line)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        return "No display found (DISPLAY/WAYLAND_DISPLAY unset)"
    try:
        probe = subprocess.run([sys.executable, "-c", QT_PROBE], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "The display did not answer within 30 s"
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"Qt cannot open the display ({detail})"
    return None


def run(args) -> int:
    problem = display_problem()
    if problem is None:
        from navigator.commands.kiosk import run as kiosk

        return kiosk(Namespace(config=args.config, ask=None, screenshot=None, size=None, lang=None, no_voice=False,
                               voice_wav=None, json=False))
    args.lang = "auto"
    return chat(args, f"{problem}: starting the text conversation instead of the kiosk window. "
                      "(navigator doctor checks the display.)")
