"""The kiosk window, driven as a visitor would: touch, typing, language, idle reset, failures, technicians.

Runs under QT_QPA_PLATFORM=offscreen (set here); Panda3D renders the guide offscreen in software.
"""

from __future__ import annotations

import hashlib
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QEvent, Qt  # noqa: E402
from PySide6.QtGui import QCloseEvent, QFontInfo, QKeyEvent  # noqa: E402

from conftest import ROOT  # noqa: E402
from navigator.app import build_kiosk  # noqa: E402
from navigator.config import SessionSection, TechnicianSection, load_config  # noqa: E402
from navigator.ui.runner import WindowOptions, open_window  # noqa: E402
from navigator.ui.strings import LANGUAGES, load_strings  # noqa: E402

STRINGS = load_strings()


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "kiosk_config.toml")


@pytest.fixture
def open_kiosk(qtbot):
    """Opens kiosk windows (1280x800 unless `size` says otherwise, not locked) and shuts them down after the test."""
    opened = []

    def make(config, size=(1280, 800), **kiosk_options):
        kiosk_options.setdefault("voice", False)
        kiosk_options.setdefault("attract", False)
        kiosk = build_kiosk(config, **kiosk_options)
        window = open_window(kiosk, WindowOptions(size=size))
        qtbot.addWidget(window)
        opened.append(window)
        return kiosk, window

    yield make
    for window in opened:
        window.shutdown()


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_strings_file_has_every_language():
    for key in STRINGS.keys():
        for lang in LANGUAGES:
            assert STRINGS.get(key, lang).strip(), f"[{key}] {lang} is empty"


def test_every_ui_character_has_a_glyph(qapp):
    """No tofu boxes: each character of strings.toml and of the catalog's topics exists in the kiosk font."""
    from PySide6.QtGui import QFontMetrics

    from navigator.catalog import load_catalog
    from navigator.ui.theme import FONT_FAMILY, app_font

    metrics = QFontMetrics(app_font(28))
    texts = [STRINGS.get(key, lang) for key in STRINGS.keys() for lang in LANGUAGES]
    texts += [c.name.get(lang) for c in load_catalog(ROOT / "assets" / "catalog").categories for lang in LANGUAGES]
    missing = {ch for text in texts for ch in text if not ch.isspace() and not metrics.inFontUcs4(ord(ch))}
    assert not missing, f"characters without a glyph in {FONT_FAMILY}: {sorted(missing)}"


def test_touch_path_category_to_service_to_card(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    assert QFontInfo(window.font()).family() == "Noto Sans CJK JP"        # Japanese glyphs, no tofu
    click(qtbot, window.categories.buttons["children"])
    assert window.stack.currentWidget() is window.services_page
    assert "保育園等の入園申込" in [b.text().lstrip("▶ ") for b in window.services_page.buttons.values()]
    click(qtbot, window.services_page.buttons["daycare-application"])
    card = window.card
    assert window.stack.currentWidget() is card and card.answer.card.service_id == "daycare-application"
    service = kiosk.services.catalog.service("daycare-application")
    assert card.qr_url == service.urls[0]
    assert not card.qr.pixmap().isNull() and card.qr.pixmap().width() >= 260
    assert window.session.state == "active"
    click(qtbot, window.back_button)
    assert window.stack.currentIndex() == 0


def test_language_switch_changes_ui_and_card(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    click(qtbot, window.categories.buttons["certificates"])
    click(qtbot, window.services_page.buttons["residence-certificate"])
    assert window.card.answer.lang == "ja"
    click(qtbot, window.lang_buttons["en"])
    assert window.lang == "en" and window.talk_button.text() == STRINGS.get("talk", "en")
    assert window.card.answer.lang == "en"
    assert window.card.answer.card.title == kiosk.services.catalog.service("residence-certificate").name.en
    click(qtbot, window.lang_buttons["easy_ja"])
    assert window.title.text() == STRINGS.get("title", "easy_ja")
    assert window.categories.buttons["moving"].text() == "ひっこし"


def test_typed_english_question_switches_language_and_answers(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    window.text_box.setText("Where can I get a residence certificate?")
    click(qtbot, window.send_button)
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=10_000)
    assert window.lang == "en" and window.card.answer.service_ids[0] == "residence-certificate"
    assert window.text_box.text() == ""
    assert "residence certificate" in window.subtitles.visitor_text


def test_idle_warning_then_full_reset(open_kiosk, qtbot, config):
    quick = config.model_copy(update={"session": SessionSection.model_construct(idle_timeout_s=0.6,
                                                                                   idle_warning_s=0.6)})
    kiosk, window = open_kiosk(quick)
    window.ask_text("I need a residence certificate")
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=10_000)
    window.text_box.setText("half-typed question")
    window.toggle_contrast()
    assert window.lang == "en" and kiosk.conversation.conversation.history
    qtbot.waitUntil(lambda: window.still_there.isVisible(), timeout=5_000)
    assert window.still_title.text() == STRINGS.get("still_there", "en")
    qtbot.waitUntil(lambda: not window.still_there.isVisible(), timeout=5_000)
    assert window.session.state == "idle"
    assert window.card.answer is None and window.card.qr_url is None and window.card.qr.pixmap().isNull()
    assert window.text_box.text() == "" and window.subtitles.visitor_text == ""
    assert not window.text_box.isUndoAvailable()         # Ctrl+Z cannot bring the previous visitor's words back
    assert window.subtitles.guide_text == STRINGS.get("attract", "ja")
    assert window.lang == "ja" and not window.high_contrast and window.stack.currentIndex() == 0
    assert kiosk.conversation.conversation.history == []


def test_touch_during_warning_keeps_the_session(open_kiosk, qtbot, config):
    quick = config.model_copy(update={"session": SessionSection.model_construct(idle_timeout_s=0.5,
                                                                                   idle_warning_s=3.0)})
    kiosk, window = open_kiosk(quick)
    click(qtbot, window.categories.buttons["garbage"])
    click(qtbot, window.services_page.buttons["oversized-garbage"])
    qtbot.waitUntil(lambda: window.still_there.isVisible(), timeout=5_000)
    click(qtbot, window.continue_button)
    qtbot.waitUntil(lambda: not window.still_there.isVisible(), timeout=2_000)
    assert window.session.state == "active" and window.card.answer.service_ids[0] == "oversized-garbage"


def test_avatar_is_animated_and_points_at_the_qr(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    qtbot.waitUntil(lambda: window.avatar.frames_shown >= 3, timeout=10_000)
    assert window.avatar.guide.animated and window.guide_problem is None
    before = window.avatar.last_frame()
    click(qtbot, window.categories.buttons["children"])
    click(qtbot, window.services_page.buttons["daycare-application"])
    shown = window.avatar.frames_shown
    qtbot.waitUntil(lambda: window.avatar.frames_shown >= shown + 25, timeout=10_000)
    after = window.avatar.last_frame()
    changed = np.abs(after.astype(int) - before.astype(int)).sum(axis=2) > 30
    assert changed.mean() > 0.01, "the guide did not move towards the QR code"


def test_avatar_failure_shows_a_still_picture_and_a_banner(open_kiosk, qtbot, config):
    def broken(size, framing):
        raise RuntimeError("no 3D here")

    kiosk, window = open_kiosk(config, guide_factory=broken)
    assert not window.avatar.guide.animated and "banner_no_avatar" in window.banner.codes
    assert window.banner.isVisible() and "ⓘ" in window.banner.text()
    qtbot.waitUntil(lambda: window.avatar.frames_shown >= 1, timeout=5_000)
    image = window.avatar.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).name() != "#ffffff"   # a picture, not blank


def test_avatar_crash_while_running_becomes_a_still(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    qtbot.waitUntil(lambda: window.avatar.frames_shown >= 2, timeout=10_000)
    guide = window.avatar.guide

    def crash():
        raise RuntimeError("renderer lost")

    guide.render = crash
    qtbot.waitUntil(lambda: "banner_no_avatar" in window.banner.codes, timeout=5_000)
    assert not window.avatar.guide.animated
    window.reset()      # the kiosk carries on
    assert window.session.state == "idle"


def test_technician_gesture_and_pin_open_the_panel(open_kiosk, qtbot, config):
    pin_hash = hashlib.sha256(b"2468").hexdigest()
    locked = config.model_copy(update={"technician": TechnicianSection(pin_sha256=pin_hash)})
    kiosk, window = open_kiosk(locked)
    for _ in range(5):
        click(qtbot, window.corner)
    assert window.pin_pad.isVisible()
    for digit in "1111":
        window.pin_pad.entry.insert(digit)
    click(qtbot, window.pin_pad.ok)
    assert window.pin_pad.isVisible() and not window.panel.isVisible()
    assert STRINGS.get("tech_pin_wrong", "ja") in window.pin_pad.message.text()
    window.pin_pad.entry.insert("2468")
    click(qtbot, window.pin_pad.ok)
    assert window.panel.isVisible() and not window.pin_pad.isVisible()
    assert window.panel.inputs.count() >= 1 and window.panel.outputs.count() >= 1
    window.panel.language.setCurrentIndex(window.panel.languages.index("en"))
    assert window.default_lang == "en"
    window.reset()
    assert window.lang == "en"


def test_no_pin_configured_means_no_panel(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config.model_copy(update={"technician": TechnicianSection(pin_sha256="")}))
    for _ in range(5):
        click(qtbot, window.corner)
    assert not window.pin_pad.isVisible()


def test_kiosk_mode_ignores_window_manager_escapes(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    window.locked = True
    close = QCloseEvent()
    window.closeEvent(close)
    assert not close.isAccepted()
    for key, modifiers in ((Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
                           (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)):
        event = QKeyEvent(QEvent.Type.KeyPress, key, modifiers)
        assert window.eventFilter(window, event) is True
    window.unlock()
    window.closeEvent(close := QCloseEvent())
    assert close.isAccepted()


def test_portrait_layout_fits_a_1080x1920_screen(open_kiosk, qtbot, config):
    from navigator.config import KioskSection

    portrait = config.model_copy(update={"kiosk": KioskSection(orientation="portrait", fullscreen=False)})
    kiosk, window = open_kiosk(portrait, size=(1080, 1920))
    window.lang = "easy_ja"           # the longest category names
    window.cycle_text_size()
    window.cycle_text_size()
    assert window.minimumSizeHint().width() <= 1080
    assert window.avatar.height() > 200 and window.avatar.y() < window.stack.y()   # guide above the topics


def test_a_touch_on_the_idle_screen_starts_a_session_with_a_greeting(open_kiosk, qtbot, config):
    from navigator.brain.answer import sentences_of

    kiosk, window = open_kiosk(config)          # no voice here: the greeting shows as subtitles
    assert window.session.state == "idle" and window.subtitles.guide_text == STRINGS.get("attract", "ja")
    click(qtbot, window.categories.buttons["moving"])
    assert window.session.state == "active"
    assert window.subtitles.guide_text == sentences_of(STRINGS.get("greeting", "ja"))[0]
    assert window.stack.currentWidget() is window.services_page


def test_text_size_and_high_contrast(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    before = window.font().pixelSize()
    click(qtbot, window.size_button)
    assert window.font().pixelSize() > before
    click(qtbot, window.contrast_button)
    assert window.high_contrast and "#000000" in window.styleSheet()
    assert window.contrast_button.text().startswith("◐")          # a symbol and a word, not colour alone


def test_on_screen_keyboard_types_kana(open_kiosk, qtbot, config):
    kiosk, window = open_kiosk(config)
    click(qtbot, window.keyboard_button)
    assert window.keyboard.isVisible()
    keys = {w.text(): w for w in window.keyboard.findChildren(type(window.send_button)) if w.objectName() == "key"}
    for char in "ごみ":
        click(qtbot, keys[char])
    assert window.text_box.text() == "ごみ"
    click(qtbot, window.keyboard.send_button)
    qtbot.waitUntil(lambda: window.card.answer is not None, timeout=10_000)
    assert window.card.answer.outcome == "answered"


def test_attract_scene_plays_when_idle_and_stops_for_a_visitor(open_kiosk, qtbot, config):
    from navigator.ui.guide import SceneGuide

    kiosk, window = open_kiosk(config, attract=True)
    assert kiosk.services.attract_player is not None          # scenes/kiosk_attract.toml is an attract scene
    qtbot.waitUntil(lambda: isinstance(window.avatar.guide, SceneGuide), timeout=120_000)
    shown = window.avatar.frames_shown
    qtbot.waitUntil(lambda: window.avatar.frames_shown >= shown + 5, timeout=10_000)
    assert window.avatar.last_frame().shape[:2] == (window.render_size[1], window.render_size[0])
    click(qtbot, window.categories.buttons["tax"])             # a visitor: back to the guide
    assert window.avatar.guide is window.main_guide and window.session.state == "active"


def test_session_waits_while_the_guide_speaks_but_not_forever(qtbot, monkeypatch):
    import navigator.ui.session as session_module

    monkeypatch.setattr(session_module, "MAX_HOLD_S", 0.8)
    clock = session_module.SessionClock(idle_timeout_s=0.3, warning_s=5.0)
    warned: list[bool] = []
    clock.warning.connect(lambda: warned.append(True))
    clock.activity()
    clock.hold(True)                      # the guide is speaking
    qtbot.wait(500)
    assert clock.state == "active" and not warned
    qtbot.waitUntil(lambda: bool(warned), timeout=3_000)   # no "finished" came: the countdown resumed
    assert clock.state == "warning"
    clock.activity()
    assert clock.state == "active"
