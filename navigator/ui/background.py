"""The one place that runs slow work off the UI thread and hands the result back to it.

`Background.run(fn, on_done, on_error)`: `fn()` runs on a QThreadPool worker; `on_done(result)`
or `on_error(exc)` is called later on the UI thread (through a queued Qt signal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Bridge(QObject):
    finished = Signal(object, object, object)   # callback, value, is_error


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], object], done, failed, bridge: _Bridge):
        super().__init__()
        self._fn, self._done, self._failed, self._bridge = fn, done, failed, bridge

    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # handed to the UI thread, shown as a calm banner
            self._bridge.finished.emit(self._failed, exc, True)
        else:
            self._bridge.finished.emit(self._done, value, False)


class Background(QObject):
    """Create on the UI thread; callbacks always run on the UI thread."""

    def __init__(self, threads: int = 2, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._deliver)

    def run(self, fn: Callable[[], object], on_done: Callable[[object], None] | None = None,
            on_error: Callable[[Exception], None] | None = None) -> None:
        self._pool.start(_Job(fn, on_done, on_error, self._bridge))

    def wait(self, ms: int = 30_000) -> bool:
        return self._pool.waitForDone(ms)

    @Slot(object, object, object)
    def _deliver(self, callback, value, is_error) -> None:
        if callback is not None:
            callback(value)
        elif is_error:
            logging.getLogger(__name__).error("background job failed: %s: %s", type(value).__name__, value)
