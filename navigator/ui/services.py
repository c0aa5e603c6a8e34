"""What the window needs from the rest of the kiosk, gathered by the composition root (navigator/app.py).

The window never builds engines itself: it receives this object, so tests can hand it
file-backed voices and small timeouts, and the kiosk the real devices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from navigator.brain.answer import Answer
from navigator.catalog import Catalog
from navigator.config import KioskConfig
from navigator.ui.technician import TechnicianActions


class VoiceControl(Protocol):
    """The voice loop as the window drives it (navigator.app.VoiceLoop)."""

    def start(self, on_event: Callable[[object], None], on_level: Callable[[float], None]) -> None: ...

    def say(self, text: str, lang: str) -> None: ...

    def interrupt(self) -> None: ...

    def forget(self) -> None:
        """Drop audio the loop still holds from the previous visitor."""
        ...

    def stop(self) -> None: ...


@dataclass
class KioskServices:
    config: KioskConfig
    catalog: Catalog
    ask: Callable[[str, str], Answer]                   # (question, lang) → Answer; may block: call off the UI thread
    answer_for_service: Callable[[str, str], Answer]    # (service id, lang) → Answer (touch path)
    reset_conversation: Callable[[], None]
    make_guide: Callable[[tuple[int, int], str], object]  # (size, framing) → Guide; raises when 3D is unavailable
    still_picture: Path | None = None
    voice: VoiceControl | None = None
    attract_player: Callable[[tuple[int, int]], object] | None = None   # size → ScenePlayer (UI thread); prepare() runs in the background
    record_usage: Callable[[Answer, float, str], None] = lambda answer, ms, channel: None
    technician: TechnicianActions | None = None
    on_ready: list[Callable[[], None]] = field(default_factory=list)     # e.g. the systemd watchdog's ready()
    heartbeat: Callable[[], None] = lambda: None                          # called every few seconds from the UI loop
    poll_config: Callable[[], KioskConfig | None] = lambda: None          # a new valid kiosk_config.toml, if edited
