"""An on-screen keyboard for kiosks without a physical one: hiragana (50-on order) and ABC."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from navigator.ui.widgets import button, empty_layout

KANA_ROWS = ("あいうえお", "かきくけこ", "さしすせそ", "たちつてと", "なにぬねの", "はひふへほ", "まみむめも",
             "やゆよゃゅ", "らりるれろ", "わをんっょ", "がぎぐげご", "ざじずぜぞ", "だぢづでど", "ばびぶべぼ",
             "ぱぴぷぺぽ", "ーぁぃぅぇ")
ABC_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.?")


class OnScreenKeyboard(QFrame):
    """Types into `target`; `submitted` when the visitor presses the send key."""

    submitted = Signal()

    def __init__(self, target: QLineEdit, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.target = target
        self.layout_name = "kana"
        self._keys = QGridLayout()
        self._keys.setSpacing(6)
        self._controls = QHBoxLayout()
        self.mode_button = button("ABC", "key", self.toggle_layout)
        self.space_button = button("", "key", lambda: self.type(" "))
        self.delete_button = button("", "key", self.target.backspace)
        self.send_button = button("", "primary", self.submitted.emit)
        self.close_button = button("", "key", self.hide)
        for widget in (self.mode_button, self.space_button, self.delete_button, self.close_button, self.send_button):
            self._controls.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(self._keys)
        layout.addLayout(self._controls)
        self._build(KANA_ROWS, columns_are_rows=True)

    def set_labels(self, space: str, delete: str, send: str, close: str, kana: str, abc: str) -> None:
        self.space_button.setText(space)
        self.delete_button.setText(delete)
        self.send_button.setText(send)
        self.close_button.setText(close)
        self._mode_labels = (kana, abc)
        self.mode_button.setText(abc if self.layout_name == "kana" else kana)

    def toggle_layout(self) -> None:
        self.layout_name = "abc" if self.layout_name == "kana" else "kana"
        self._build(ABC_ROWS if self.layout_name == "abc" else KANA_ROWS, columns_are_rows=self.layout_name == "kana")
        labels = getattr(self, "_mode_labels", ("かな", "ABC"))
        self.mode_button.setText(labels[1] if self.layout_name == "kana" else labels[0])

    def type(self, text: str) -> None:
        self.target.insert(text)

    def _build(self, rows: tuple[str, ...], columns_are_rows: bool) -> None:
        empty_layout(self._keys)
        for r, row in enumerate(rows):
            for c, char in enumerate(row):
                key = button(char, "key", lambda _=False, ch=char: self.type(ch))
                # kana: each gojūon row is a column read right to left, as on Japanese kiosks
                if columns_are_rows:
                    self._keys.addWidget(key, c, len(rows) - 1 - r)
                else:
                    self._keys.addWidget(key, r, c)
