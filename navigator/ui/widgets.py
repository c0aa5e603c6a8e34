"""Small building blocks: the calm banner, the listening indicator with mic level, subtitles."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout,
                               QWidget)


def label(text: str = "", name: str = "body", wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


class Banner(QFrame):
    """A calm notice (symbol + words, never colour alone); several can be shown at once."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self._text = label("", "body")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 8, 18, 8)
        layout.addWidget(self._text)
        self._messages: dict[str, str] = {}     # code → the message in the current language
        self.hide()

    def show_message(self, code: str, text: str) -> None:
        self._messages[code] = text
        self._refresh()

    def clear(self, code: str | None = None) -> None:
        if code is None:
            self._messages.clear()
        else:
            self._messages.pop(code, None)
        self._refresh()

    @property
    def codes(self) -> list[str]:
        return list(self._messages)

    def text(self) -> str:
        return self._text.text()

    def _refresh(self) -> None:
        self._text.setText("\n".join(self._messages.values()))
        self.setVisible(bool(self._messages))


class ListeningIndicator(QFrame):
    """The voice state as a symbol and a word, and a microphone level bar."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = "starting"
        self.state_label = label("", "state", wrap=True)
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedWidth(220)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label, 1)
        layout.addWidget(self.level)
        self._decay = QTimer(self)
        self._decay.timeout.connect(lambda: self.level.setValue(max(0, self.level.value() - 8)))
        self._decay.start(100)

    def set_state(self, state: str, text: str) -> None:
        self.state = state
        self.state_label.setText(text)
        self.level.setVisible(state not in ("off", "starting"))

    def set_level(self, rms: float) -> None:
        """RMS of 16 kHz float audio → 0-100 on a log scale (-60 dBFS .. 0)."""
        import math

        db = 20 * math.log10(max(rms, 1e-6))
        self.level.setValue(max(self.level.value(), int(max(0.0, min(1.0, (db + 60) / 60)) * 100)))


class Subtitles(QFrame):
    """What the guide says (bold) and what the visitor said (muted, one line), each with a word label.

    The panel keeps its height (the avatar view keeps its shape): a long sentence is set smaller,
    down to 70 % of the body size, rather than cut.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.guide = label("", "subtitleGuide")
        self.visitor = label("", "subtitleVisitor", wrap=False)
        self.guide.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 12, 20, 12)
        layout.addWidget(self.visitor)
        layout.addWidget(self.guide, 1)
        self._guide_prefix = self._visitor_prefix = ""
        self.guide_text = self.visitor_text = ""
        self._px = 28

    def set_prefixes(self, guide: str, visitor: str) -> None:
        self._guide_prefix, self._visitor_prefix = guide, visitor
        self.show_guide(self.guide_text)
        self.show_visitor(self.visitor_text)

    def set_base_px(self, px: int) -> None:
        self._px = px
        self._fit()

    def show_guide(self, text: str) -> None:
        self.guide_text = text
        self.guide.setText(f"{self._guide_prefix} {text}" if text else "")
        self._fit()

    def show_visitor(self, text: str) -> None:
        self.visitor_text = text
        self._fit()

    def clear(self) -> None:
        self.show_guide("")
        self.show_visitor("")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        from PySide6.QtCore import QRect
        from PySide6.QtGui import QFont, QFontMetrics

        margins = self.layout().contentsMargins()
        width = max(50, self.width() - margins.left() - margins.right())
        visitor = f"{self._visitor_prefix} {self.visitor_text}" if self.visitor_text else ""
        self.visitor.setText(QFontMetrics(self.visitor.font()).elidedText(visitor, Qt.TextElideMode.ElideRight, width))
        room = self.height() - margins.top() - margins.bottom() - self.visitor.sizeHint().height() - 8
        text = self.guide.text()
        chosen = self._px
        for scale in (1.0, 0.9, 0.8, 0.7):
            chosen = round(self._px * scale)
            font = QFont(self.guide.font())
            font.setPixelSize(chosen)
            height = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height()
            if height <= room:
                break
        self.guide.setStyleSheet(f"font-size: {chosen}px;")


class TapCorner(QWidget):
    """An invisible corner: `taps` touches within `window_s` seconds emit `unlocked` (technician gesture)."""

    unlocked = Signal()

    def __init__(self, taps: int = 5, window_s: float = 3.0, parent: QWidget | None = None):
        super().__init__(parent)
        self._needed, self._window = taps, window_s
        self._times: list[float] = []
        self.setFixedSize(110, 110)

    def mousePressEvent(self, event) -> None:
        import time

        now = time.monotonic()
        self._times = [t for t in self._times if now - t <= self._window] + [now]
        if len(self._times) >= self._needed:
            self._times.clear()
            self.unlocked.emit()
        event.accept()


class WrapButton(QPushButton):
    """A big touch button whose words wrap onto several lines instead of widening the screen."""

    def __init__(self, text: str, name: str = ""):
        super().__init__()
        if name:
            self.setObjectName(name)
        self._label = QLabel(text, self)
        self._label.setObjectName(f"{name}Label" if name else "buttonLabel")
        self._label.setWordWrap(True)
        self._label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self._label)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)   # may shrink and wrap

    def text(self) -> str:
        return self._label.text()

    def setText(self, text: str) -> None:
        self._label.setText(text)

    def sizeHint(self):
        return self._label.sizeHint().grownBy(self.layout().contentsMargins())

    def minimumSizeHint(self):
        """Narrow enough to let the layout share the screen: the longest word (at least 4 characters)."""
        metrics = self._label.fontMetrics()
        em = metrics.horizontalAdvance("あ")
        longest = max((metrics.horizontalAdvance(word) for word in self.text().split()), default=0)
        margins = self.layout().contentsMargins()
        width = min(self.sizeHint().width(), max(min(longest, 6 * em), 4 * em) + margins.left() + margins.right())
        return QSize(width, super().minimumSizeHint().height())


def empty_layout(layout) -> None:
    """Remove everything from `layout`; its widgets are deleted."""
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()


def button(text: str, name: str = "", on_click=None) -> QPushButton:
    widget = QPushButton(text)
    if name:
        widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if on_click:
        widget.clicked.connect(on_click)
    return widget
