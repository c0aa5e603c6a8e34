"""Session life: active after a touch or a voice, a gentle question after idle_timeout_s, then a reset.

States: "idle" (attract content) → "active" (a visitor) → "warning" (「まだご利用ですか？」) →
reset → "idle". Any activity while active or warning keeps the session going.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

MAX_HOLD_S = 90.0   # the longest the guide may speak before the idle countdown runs again


class SessionClock(QObject):
    started = Signal()      # a visitor began (greet them)
    warning = Signal()      # ask whether they are still there
    expired = Signal()      # reset everything
    resumed = Signal()      # the visitor answered the warning (touch or voice)

    def __init__(self, idle_timeout_s: float, warning_s: float, parent: QObject | None = None):
        super().__init__(parent)
        self.state = "idle"
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(idle_timeout_s * 1000))
        self._idle.timeout.connect(self._warn)
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.setInterval(int(warning_s * 1000))
        self._grace.timeout.connect(self._expire)
        self._held = False
        self._hold_limit = QTimer(self)      # a lost "finished" event must not keep a session open forever
        self._hold_limit.setSingleShot(True)
        self._hold_limit.setInterval(int(MAX_HOLD_S * 1000))
        self._hold_limit.timeout.connect(lambda: self.hold(False))

    def set_times(self, idle_timeout_s: float, warning_s: float) -> None:
        self._idle.setInterval(int(idle_timeout_s * 1000))
        self._grace.setInterval(int(warning_s * 1000))

    def activity(self) -> None:
        """A touch, typing, or the visitor's voice."""
        self._grace.stop()
        if self.state == "idle":
            self.state = "active"
            self.started.emit()
        elif self.state == "warning":
            self.state = "active"
            self.resumed.emit()
        if not self._held:
            self._idle.start()

    def hold(self, held: bool) -> None:
        """While the guide is speaking the visitor is not idle: the countdown restarts when it stops."""
        self._held = held
        if held:
            self._idle.stop()
            self._hold_limit.start()
        elif self.state == "active":
            self._idle.start()

    def end(self) -> None:
        """Finish now (the visitor pressed 終わる, or the warning ran out)."""
        self._idle.stop()
        self._grace.stop()
        self._held = False
        if self.state != "idle":
            self.state = "idle"
            self.expired.emit()

    def _warn(self) -> None:
        if self.state != "active":
            return
        self.state = "warning"
        self.warning.emit()
        if self._grace.interval() <= 0:
            self._expire()
        else:
            self._grace.start()

    def _expire(self) -> None:
        self.end()
