"""How long the UI thread is busy: per avatar frame, and how late the event loop answers.

`FrameTimer` wraps each avatar tick (QElapsedTimer); `LoopLagProbe` fires every 10 ms and
records how late it fired, which catches any long work on the UI thread, not only frames.
"""

from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer


class Samples:
    def __init__(self, keep: int = 20_000):
        self.values: list[float] = []
        self._keep = keep

    def add(self, ms: float) -> None:
        self.values.append(ms)
        if len(self.values) > self._keep:
            del self.values[: self._keep // 2]

    def clear(self) -> None:
        self.values.clear()

    def summary(self) -> dict[str, float | int | None]:
        if not self.values:
            return {"count": 0, "median_ms": None, "p95_ms": None, "max_ms": None}
        ordered = sorted(self.values)
        return {"count": len(ordered), "median_ms": round(statistics.median(ordered), 2),
                "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
                "max_ms": round(ordered[-1], 2)}


class FrameTimer:
    """`with timer:` around one UI-thread job: wall-clock ms go to `samples`, the thread's own CPU ms to
    `cpu_samples` (a frame with high wall time but low CPU time waited: for the CPU or the GIL)."""

    def __init__(self):
        self.samples = Samples()
        self.cpu_samples = Samples()
        self._clock = QElapsedTimer()
        self._cpu = 0.0

    def __enter__(self) -> "FrameTimer":
        self._clock.start()
        self._cpu = time.thread_time()
        return self

    def __exit__(self, *exc) -> None:
        self.samples.add(self._clock.nsecsElapsed() / 1e6)
        self.cpu_samples.add((time.thread_time() - self._cpu) * 1000)

    def clear(self) -> None:
        self.samples.clear()
        self.cpu_samples.clear()


class LoopLagProbe(QObject):
    """Event-loop lag: how much later than scheduled a 10 ms timer fires (0 when the UI thread is free)."""

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None):
        super().__init__(parent)
        self.samples = Samples()
        self._interval = interval_ms
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._clock.start()
        self._timer.start(self._interval)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.samples.add(max(0.0, elapsed - self._interval))
