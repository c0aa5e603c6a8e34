"""Run the kiosk window: the Qt application, full screen or a sized window, and the headless check.

`navigator kiosk --ask TEXT --screenshot PNG` asks TEXT as if typed, waits for the answer card
and the avatar's frames, saves the whole window and exits 0. With `--voice-wav`, the question
comes through the real voice pipeline from a WAV instead, and UI-thread timings during that
voice turn are reported (`--json`).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from navigator.ui import theme
from navigator.ui.window import KioskWindow
from voice import events as ev


@dataclass
class WindowOptions:
    size: tuple[int, int] | None = None
    lang: str | None = None
    ask: str | None = None
    screenshot: Path | None = None
    json: bool = False
    wait_for_voice: bool = False       # the question comes from the voice loop (a WAV source)
    timeout_s: float = 180.0


def qt_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setFont(theme.app_font(28))
    return app


def open_window(kiosk, options: WindowOptions) -> KioskWindow:
    window = KioskWindow(kiosk.services)
    kiosk.window = window
    if options.lang:
        window.default_lang = options.lang
        window.set_language(options.lang)
    screen = QApplication.primaryScreen().size()
    target = options.size or ((screen.width(), screen.height()) if window.config.kiosk.fullscreen else
                              ((1080, 1920) if window.portrait else (1920, 1080)))
    window.apply_theme(min(target))     # type sized for the screen before the layout decides the window's size
    if options.size:
        window.locked = False
        window.resize(*options.size)
        window.show()
    elif window.config.kiosk.fullscreen:
        window.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        screen = window.screen() or QApplication.primaryScreen()
        if screen is not None:
            window.setGeometry(screen.geometry())   # full screen also where no window manager honours the state
        window.showFullScreen()
    else:
        window.locked = False
        window.resize(1920, 1080) if not window.portrait else window.resize(1080, 1920)
        window.show()
    window.apply_theme()
    window.start()
    return window


def run_window(kiosk, options: WindowOptions) -> int:
    app = qt_app()
    window = open_window(kiosk, options)
    _quit_on_signals(window)
    check = HeadlessCheck(window, options) if options.screenshot else None
    if options.ask:
        QTimer.singleShot(200, lambda: window.ask_text(options.ask))
    code = app.exec()
    window.shutdown()
    if check is not None:
        return check.finish()
    return code


def _quit_on_signals(window: KioskWindow) -> None:
    """Ctrl+C / SIGTERM end the kiosk cleanly (Python only sees signals when the interpreter runs: a timer wakes it)."""
    import signal

    def stop(*_):
        window.quit_kiosk(0)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)


class HeadlessCheck:
    """Waits for the answer card and fresh avatar frames, saves the window, reports timings."""

    SETTLE_FRAMES = 6

    def __init__(self, window: KioskWindow, options: WindowOptions):
        self.window, self.options = window, options
        self.started = time.monotonic()
        self.answered_at: float | None = None
        self.frames_at_answer = 0
        self.turn_done = not options.wait_for_voice
        self.saved = False
        self.problem: str | None = None
        self.voice_frames = self.voice_lag = self.voice_frames_cpu = None
        window.answer_shown.connect(self._answered)
        window.voice_signals.event.connect(self._voice_event)
        window.lag.start()                  # the event-loop lag is measured for this report only
        self._poll = QTimer(window)
        self._poll.timeout.connect(self._check)
        self._poll.start(100)

    def _answered(self, answer) -> None:
        if self.answered_at is None:
            self.answered_at = time.monotonic()
            self.frames_at_answer = self.window.avatar.frames_shown

    def _voice_event(self, event) -> None:
        if isinstance(event, ev.SpeechStarted):
            self.window.avatar.timing.clear()   # measure the voice turn only
            self.window.lag.samples.clear()
        elif isinstance(event, ev.PlaybackFinished) and self.answered_at is not None:
            self.voice_frames = self.window.avatar.timing.samples.summary()
            self.voice_frames_cpu = self.window.avatar.timing.cpu_samples.summary()
            self.voice_lag = self.window.lag.samples.summary()
            self.turn_done = True

    def _check(self) -> None:
        if time.monotonic() - self.started > self.options.timeout_s:
            self.problem = f"no answer card within {self.options.timeout_s:.0f} s"
            self._poll.stop()
            QApplication.instance().exit(1)
            return
        if self.answered_at is None or not self.turn_done:
            return
        fresh = self.window.avatar.frames_shown - self.frames_at_answer
        animated = getattr(self.window.avatar.guide, "animated", False)
        if (animated and fresh < self.SETTLE_FRAMES) or time.monotonic() - self.answered_at < 0.6:
            return
        self._poll.stop()
        self.saved = self.window.grab().save(str(self.options.screenshot), "PNG")
        if not self.saved:
            self.problem = f"cannot write {self.options.screenshot}"
        QApplication.instance().exit(0 if self.saved else 1)

    def finish(self) -> int:
        window = self.window
        answer = window.card.answer
        report = {
            "screenshot": str(self.options.screenshot) if self.saved else None,
            "size": [window.width(), window.height()],
            "lang": window.lang,
            "question": window.subtitles.visitor_text,
            "service_ids": answer.service_ids if answer else [],
            "qr_url": window.card.qr_url,
            "avatar": "animated" if getattr(window.avatar.guide, "animated", False) else "still",
            "avatar_problem": window.guide_problem,
            "banners": window.banner.codes,
            "frames_shown": window.avatar.frames_shown,
            "avatar_view": [window.avatar.width(), window.avatar.height()],
            "render_size": list(window.render_size),
            "ui_frame_ms": self.voice_frames or window.avatar.timing.samples.summary(),
            "ui_frame_cpu_ms": self.voice_frames_cpu or window.avatar.timing.cpu_samples.summary(),
            "event_loop_lag_ms": self.voice_lag or window.lag.samples.summary(),
            "measured_during": "voice turn" if self.voice_frames else "whole run",
            "seconds": round(time.monotonic() - self.started, 2),
        }
        if self.options.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        elif self.saved:
            print(f"saved {self.options.screenshot} ({window.width()}x{window.height()}, answer: "
                  f"{', '.join(report['service_ids'][:1]) or 'none'}, avatar: {report['avatar']})")
        if self.problem:
            print(f"navigator: kiosk check failed: {self.problem}", file=sys.stderr)
            return 1
        return 0
