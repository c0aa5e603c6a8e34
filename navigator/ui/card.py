"""The answer card: service name, plain steps, the counter, and a large QR code of the online page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from navigator.brain.answer import Answer
from navigator.ui.qr import qr_image
from navigator.ui.strings import Strings
from navigator.ui.widgets import WrapButton, empty_layout, label


class AnswerCard(QFrame):
    alternative_chosen = Signal(str)      # service id

    def __init__(self, strings: Strings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.strings = strings
        self.answer: Answer | None = None
        self.qr_url: str | None = None
        self.qr_px = 360
        self._details = QVBoxLayout()
        self._details.setSpacing(10)
        scroll = _scrolled(self._details)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_caption = label("", "qrCaption")
        self.qr_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_label = label("", "muted")
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr_box = QFrame()
        qr_layout = QVBoxLayout(self.qr_box)
        qr_layout.addStretch(1)
        qr_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignCenter)
        qr_layout.addWidget(self.qr_caption)
        qr_layout.addWidget(self.qr_label)
        qr_layout.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(scroll, 3)
        layout.addWidget(self.qr_box, 2)

    def show_answer(self, answer: Answer, lang: str) -> None:
        self.answer = answer
        self._clear_details()
        text = lambda key: self.strings.get(key, lang)  # noqa: E731
        card = answer.card
        if card is None:
            self._add(label(text("card_not_found"), "cardTitle"))
            self._add(label(answer.text, "body"))
            self._set_qr(None, lang)
            self._details.addStretch(1)
            return
        self._add(label(card.title, "cardTitle"))
        self._section(text("card_steps"), [f"{n}. {step}" for n, step in enumerate(card.steps, 1)])
        if card.counter:
            self._section(text("card_counter"), [card.counter])
        if card.bring:
            self._section(text("card_bring"), [f"・{item}" for item in card.bring])
        if card.fees:
            self._section(text("card_fees"), [f"・{fee}" for fee in card.fees])
        if card.alternatives:
            self._add(label(text("card_also"), "heading"))
            for service_id, name in card.alternatives:
                self._add(_service_button(service_id, name, self.alternative_chosen))
        self._details.addStretch(1)
        self._set_qr(card.qr_url, lang, card.qr_label)
        if not card.qr_url:
            self.qr_label.setText(text("card_no_online"))

    def clear(self) -> None:
        self.answer = None
        self._clear_details()
        self._set_qr(None, "ja")

    def _set_qr(self, url: str | None, lang: str, caption: str | None = None) -> None:
        self.qr_url = url
        if url:
            self.qr.setPixmap(QPixmap.fromImage(qr_image(url, self.qr_px)))
            self.qr_caption.setText(self.strings.get("qr_caption", lang))
            self.qr_label.setText(caption or "")
        else:
            self.qr.clear()
            self.qr_caption.setText("")
            self.qr_label.setText("")

    def _section(self, heading: str, lines: list[str]) -> None:
        self._add(label(heading, "heading"))
        for line in lines:
            self._add(label(line, "body"))

    def _add(self, widget: QWidget) -> None:
        self._details.addWidget(widget)

    def _clear_details(self) -> None:
        empty_layout(self._details)


class CategoryGrid(QWidget):
    """The most asked topics as big buttons, in categories.toml order."""

    chosen = Signal(str)     # category id

    def __init__(self, columns: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setSpacing(14)
        self._columns = columns
        self.buttons: dict[str, object] = {}

    def fill(self, categories: list[tuple[str, str]]) -> None:
        empty_layout(self._grid)
        self.buttons = {}
        for index, (category_id, name) in enumerate(categories):
            widget = WrapButton(name, "category")
            widget.clicked.connect(lambda _=False, c=category_id: self.chosen.emit(c))
            self.buttons[category_id] = widget
            self._grid.addWidget(widget, index // self._columns, index % self._columns)


class ServiceList(QWidget):
    """The services of one category, one big button each."""

    chosen = Signal(str)     # service id

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = label("", "heading")
        self._list = QVBoxLayout()
        self._list.setSpacing(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(_scrolled(self._list), 1)
        self.buttons: dict[str, object] = {}

    def fill(self, heading: str, services: list[tuple[str, str]]) -> None:
        self.heading.setText(heading)
        empty_layout(self._list)
        self.buttons = {}
        for service_id, name in services:
            widget = _service_button(service_id, name, self.chosen)
            self.buttons[service_id] = widget
            self._list.addWidget(widget)
        self._list.addStretch(1)


def _service_button(service_id: str, name: str, chosen) -> WrapButton:
    """A big button naming a service; a tap emits its id on `chosen`."""
    widget = WrapButton(f"▶ {name}", "service")
    widget.clicked.connect(lambda _=False: chosen.emit(service_id))
    return widget


def _scrolled(layout: QVBoxLayout) -> QScrollArea:
    """`layout` in a vertically scrolling area."""
    inner = QWidget()
    inner.setLayout(layout)
    scroll = QScrollArea()
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    return scroll
