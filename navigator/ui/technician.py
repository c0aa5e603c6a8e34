"""Technicians: a PIN pad (compared as SHA-256 with [technician] pin_sha256) and the panel behind it.

The panel picks the microphone and speaker (applied by restarting the voice loop), shows the
input level, plays a test tone, sets the default language, restarts or exits the kiosk.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLineEdit, QProgressBar, QVBoxLayout,
                               QWidget)

from navigator.ui.strings import Strings
from navigator.ui.widgets import button, label


def pin_matches(pin: str, pin_sha256: str) -> bool:
    """True when sha256(pin) equals the configured hash; an empty hash disables the panel."""
    if not pin_sha256:
        return False
    return hmac.compare_digest(hashlib.sha256(pin.encode()).hexdigest(), pin_sha256)


@dataclass
class TechnicianActions:
    """What the panel can do, supplied by the composition root (navigator/app.py)."""

    list_devices: Callable[[], list[dict]]
    apply_devices: Callable[[str, str], None]            # input, output ("" = system default)
    test_tone: Callable[[str], None]                      # output device
    set_default_language: Callable[[str], None]
    restart: Callable[[], None]
    exit: Callable[[], None]
    current_devices: Callable[[], tuple[str, str]] = lambda: ("", "")


class Overlay(QFrame):
    """A dimmed full-window layer with a centered dialog frame."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("overlay")
        self.dialog = QFrame()
        self.dialog.setObjectName("dialog")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.dialog)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()


class PinPad(Overlay):
    accepted = Signal()

    def __init__(self, parent: QWidget, strings: Strings, pin_sha256: str):
        super().__init__(parent)
        self._hash = pin_sha256
        self.strings = strings
        self.title = label("", "heading")
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.setReadOnly(True)
        self.message = label("", "body")
        keys = QGridLayout()
        for index, digit in enumerate("123456789"):
            keys.addWidget(button(digit, "key", lambda _=False, d=digit: self.entry.insert(d)), index // 3, index % 3)
        keys.addWidget(button("⌫", "key", self.entry.backspace), 3, 0)
        keys.addWidget(button("0", "key", lambda: self.entry.insert("0")), 3, 1)
        self.ok = button("", "primary", self.submit)
        keys.addWidget(self.ok, 3, 2)
        self.cancel = button("", "", self.close_pad)
        layout = QVBoxLayout(self.dialog)
        layout.addWidget(self.title)
        layout.addWidget(self.entry)
        layout.addWidget(self.message)
        layout.addLayout(keys)
        layout.addWidget(self.cancel)

    def set_hash(self, pin_sha256: str) -> None:
        self._hash = pin_sha256

    def open_pad(self, lang: str) -> None:
        self.title.setText(self.strings.get("tech_pin", lang))
        self.cancel.setText(self.strings.get("tech_cancel", lang))
        self.ok.setText(self.strings.get("tech_ok", lang))
        self.message.setText("")
        self.entry.setText("")
        self._lang = lang
        self.open()

    def submit(self) -> None:
        if pin_matches(self.entry.text(), self._hash):
            self.close_pad()
            self.accepted.emit()
        else:
            self.entry.setText("")
            self.message.setText("✕ " + self.strings.get("tech_pin_wrong", getattr(self, "_lang", "ja")))

    def close_pad(self) -> None:
        self.entry.setText("")
        self.hide()


class TechnicianPanel(Overlay):
    def __init__(self, parent: QWidget, strings: Strings, actions: TechnicianActions, languages: list[str]):
        super().__init__(parent)
        self.strings, self.actions, self.languages = strings, actions, languages
        self.inputs, self.outputs, self.language = QComboBox(), QComboBox(), QComboBox()
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.title = label("", "cardTitle")
        self.note = label("", "muted")
        self.labels = {key: label("", "heading") for key in ("tech_input", "tech_output", "tech_level",
                                                                    "tech_default_lang")}
        self.apply_button = button("", "", self._apply)
        self.tone_button = button("", "", lambda: self.actions.test_tone(self._chosen(self.outputs)))
        self.restart_button = button("", "", self.actions.restart)
        self.exit_button = button("", "", self.actions.exit)
        self.close_button = button("", "primary", self.hide)
        self.language.currentIndexChanged.connect(self._language_chosen)
        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        rows = [("tech_input", self.inputs), ("tech_output", self.outputs), ("tech_level", self.level),
                ("tech_default_lang", self.language)]
        for row, (key, widget) in enumerate(rows):
            grid.addWidget(self.labels[key], row, 0)
            grid.addWidget(widget, row, 1)
        actions_row = QHBoxLayout()
        for widget in (self.apply_button, self.tone_button, self.restart_button, self.exit_button):
            actions_row.addWidget(widget)
        layout = QVBoxLayout(self.dialog)
        layout.setContentsMargins(30, 24, 30, 24)
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addLayout(actions_row)
        layout.addWidget(self.note)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)

    def open_panel(self, lang: str, default_language: str) -> None:
        text = lambda key: self.strings.get(key, lang)  # noqa: E731
        self.title.setText(text("tech_title"))
        for key, widget in self.labels.items():
            widget.setText(text(key))
        self.apply_button.setText(text("tech_apply"))
        self.tone_button.setText(text("tech_test_tone"))
        self.restart_button.setText(text("tech_restart"))
        self.exit_button.setText(text("tech_exit"))
        self.close_button.setText(text("tech_close"))
        self.note.setText(text("tech_note"))
        self._fill_devices(text("tech_default_device"), text("tech_no_devices"))
        self.language.blockSignals(True)
        self.language.clear()
        for code in self.languages:
            self.language.addItem(self.strings.get("lang_name", code), code)
        self.language.setCurrentIndex(max(0, self.languages.index(default_language)
                                          if default_language in self.languages else 0))
        self.language.blockSignals(False)
        self.open()

    def set_level(self, value: int) -> None:
        self.level.setValue(value)

    def _fill_devices(self, default_text: str, none_text: str) -> None:
        try:
            devices = self.actions.list_devices()
        except Exception:
            devices = []
        current_in, current_out = self.actions.current_devices()
        for combo, kind, current in ((self.inputs, "inputs", current_in), (self.outputs, "outputs", current_out)):
            combo.clear()
            combo.addItem(default_text, "")
            for device in devices:
                if device.get(kind, 0) > 0:
                    combo.addItem(f"{device['index']}: {device['name']}", device["name"])
            if len(devices) == 0:
                combo.addItem(none_text, "")
            found = combo.findData(current)
            combo.setCurrentIndex(max(0, found))

    @staticmethod
    def _chosen(combo: QComboBox) -> str:
        return combo.currentData() or ""

    def _apply(self) -> None:
        self.actions.apply_devices(self._chosen(self.inputs), self._chosen(self.outputs))

    def _language_chosen(self, index: int) -> None:
        if index >= 0:
            self.actions.set_default_language(self.language.itemData(index))
