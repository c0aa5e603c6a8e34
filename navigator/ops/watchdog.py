"""systemd's notify protocol by hand (no libsystemd): READY=1 once, WATCHDOG=1 from the main loop.

Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op. `ping()` may be called every frame:
it sends at most every third of the unit's WatchdogSec (or every 5 s when none is given).
"""

from __future__ import annotations

import os
import socket
import time


class Watchdog:
    def __init__(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = env.get("NOTIFY_SOCKET", "") or None
        usec = env.get("WATCHDOG_USEC", "")
        self.interval_s = int(usec) / 1e6 / 3 if usec.isdigit() and int(usec) > 0 else 5.0
        self._last_ping = float("-inf")

    def notify(self, message: str) -> bool:
        """Send one notify message; False when not under systemd or the socket is gone (never raises)."""
        if not self.address:
            return False
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(address)
                sock.sendall(message.encode("utf-8"))
            return True
        except OSError:
            return False

    def ready(self, status: str = "listening") -> bool:
        """Tell systemd the kiosk is up (Type=notify units wait for this)."""
        return self.notify(f"READY=1\nSTATUS={status}")

    def ping(self) -> bool:
        """Keep-alive from the main loop; systemd restarts the kiosk when pings stop for WatchdogSec."""
        now = time.monotonic()
        if not self.address or now - self._last_ping < self.interval_s:
            return False
        self._last_ping = now
        return self.notify("WATCHDOG=1")
