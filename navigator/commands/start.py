"""`navigator start` (what `make run` runs): the kiosk window, or the text conversation when there is no display.

Whether Qt can open the display is tried in a short child process first: a Qt that cannot
reach the display aborts the whole process, and the fallback must still run.
"""

from __future__ import annotations

from argparse import Namespace

from navigator.commands.ask import chat
from navigator.display import probe_display


def run(args) -> int:
    problem = probe_display().problem
    if problem is None:
        from navigator.commands.kiosk import run as kiosk

        return kiosk(Namespace(config=args.config, ask=None, screenshot=None, size=None, lang=None, no_voice=False,
                               voice_wav=None, json=False))
    args.lang = "auto"
    return chat(args, f"{problem}: starting the text conversation instead of the kiosk window. "
                      "(navigator doctor checks the display.)")
