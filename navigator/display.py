"""Whether the kiosk window can open here, asked of a child process (Qt aborts when it cannot)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

PROBE_MODULE = "navigator.ui.display_probe"


@dataclass(frozen=True)
class DisplayProbe:
    platform: str = ""            # Qt's platform plugin ("xcb", "wayland", "offscreen"...), "" when it failed
    screen: tuple[int, int] = (0, 0)
    problem: str | None = None    # one line: why the window cannot open
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None


def has_display_hint(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def probe_display(env: Mapping[str, str] | None = None, timeout: float = 30) -> DisplayProbe:
    """Start Qt in a child process with `env` (default: this process's) and report what it found."""
    env = dict(os.environ if env is None else env)
    if not has_display_hint(env):
        return DisplayProbe(problem="No display found (DISPLAY/WAYLAND_DISPLAY unset)")
    try:
        result = subprocess.run([sys.executable, "-m", PROBE_MODULE], capture_output=True, text=True,
                                timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return DisplayProbe(problem=f"The display did not answer within {timeout:.0f} s", timed_out=True)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        return DisplayProbe(problem=f"Qt cannot open the display ({lines[-1] if lines else f'exit code {result.returncode}'})")
    platform, width, height = (result.stdout.split() + ["?", "0", "0"])[:3]
    return DisplayProbe(platform=platform, screen=(int(width), int(height)))
