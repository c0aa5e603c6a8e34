"""`navigator start` (what `make run` runs): the kiosk window, or the text conversation when there is no display.

Whether Qt can open the display is tried in a short child process first: a Qt that cannot
reach the display aborts the whole process, and the fallback must still run.
"""

from __future__ import annotations

from navigator.commands.ask import chat
from navigator.display import probe_display


def run(args) -> int:
    problem = probe_display().problem
    if problem is None:
        from navigator.cli import _parser
        from navigator.commands.kiosk import run as kiosk

        options = _parser().parse_args(["kiosk"])   # every kiosk option at its default
        options.config = args.config
        return kiosk(options)
    args.lang = "auto"
    return chat(args, f"{problem}: starting the text conversation instead of the kiosk window. "
                      "(navigator doctor checks the display.)")
