"""What a doctor check returns, and what it is given."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["OK", "WARN", "FAIL"]
OK: Status = "OK"
WARN: Status = "WARN"
FAIL: Status = "FAIL"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table: what was checked, how it went, and what to do when it is not OK."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    data: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix, **(
            {"data": self.data} if self.data else {})}


@dataclass
class Context:
    """The config the checks look at (the defaults when the file is broken) and the options."""

    config: object
    quick: bool = False
    environ: dict = field(default_factory=lambda: dict(os.environ))
    config_path: object = None     # the file named in fixes when the config has no source (it is broken)

    @property
    def config_file(self):
        return self.config.source or self.config_path or "kiosk_config.toml"


def last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
