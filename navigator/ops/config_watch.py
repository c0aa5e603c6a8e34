"""Reload kiosk_config.toml when a technician edits it, keeping the last good config on a mistake."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from navigator.config import KioskConfig, load_config
from navigator.errors import UserError

log = logging.getLogger("navigator.config")


class ConfigWatcher:
    """`poll()` → (new valid config, None), (None, "FILE:LINE: problem") once per bad edit, or (None, None).

    `config` is always the last good config (None only if the file was never valid).
    """

    def __init__(self, path: Path | str, initial: KioskConfig | None = None):
        self.path = Path(path)
        self.config: KioskConfig | None = initial
        self.problem: str | None = None
        self._stamp = self._read_stamp()
        if initial is None:
            try:
                self.config = load_config(self.path)
            except UserError as exc:
                self.problem = str(exc)
                self._stamp = None  # report it on the first poll

    def _read_stamp(self) -> tuple | None:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            return ("missing", str(exc))
        return (len(data), hashlib.sha256(data).hexdigest())

    def poll(self) -> tuple[KioskConfig | None, str | None]:
        stamp = self._read_stamp()
        if stamp == self._stamp:
            return None, None
        self._stamp = stamp
        try:
            config = load_config(self.path)
        except UserError as exc:
            self.problem = str(exc)
            log.warning("config edit rejected, keeping the last good one: %s", self.problem)
            return None, self.problem
        if self.config is not None and config.model_dump() == self.config.model_dump() and self.problem is None:
            return None, None
        self.config, self.problem = config, None
        log.info("config reloaded from %s", self.path)
        return config, None
