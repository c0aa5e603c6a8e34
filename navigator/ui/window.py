"""The kiosk window: avatar, subtitles, listening indicator, Talk button, touch topics, typing, answer card.

Everything here runs on the UI thread. Answers come from `services.ask` through `Background`;
voice events arrive through a queued Qt signal from the voice loop's threads.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget)

from navigator.brain.answer import Answer
from navigator.brain.text import detect_language
from navigator.ui import theme
from navigator.ui.avatar_view import AvatarView
from navigator.ui.background import Background
from navigator.ui.card import AnswerCard, CategoryGrid, ServiceList
from navigator.ui.frame_timing import LoopLagProbe
from navigator.ui.guide import SceneGuide, StillGuide
from navigator.ui.keyboard import OnScreenKeyboard
from navigator.ui.services import KioskServices
from navigator.ui.session import SessionClock
from navigator.ui.strings import Strings, load_strings
from navigator.ui.technician import Overlay, PinPad, TechnicianPanel
from navigator.ui.widgets import Banner, ListeningIndicator, Subtitles, TapCorner, button, label
from voice import events as ev

log = logging.getLogger(__name__)
BANNER_FOR_ERROR = {
    ev.ErrorCode.MIC_UNAVAILABLE: "banner_no_mic",
    ev.ErrorCode.STT_MODEL_MISSING: "banner_no_stt",
    ev.ErrorCode.STT_FAILED: "banner_no_speech",
    ev.ErrorCode.NO_SPEECH: "banner_no_speech",
    ev.ErrorCode.TTS_FAILED: "banner_no_tts",
    ev.ErrorCode.SPEAKER_UNAVAILABLE: "banner_no_tts",
    ev.ErrorCode.ANSWER_FAILED: "banner_answer_failed",
}
TRANSIENT_BANNERS = {"banner_no_speech", "banner_answer_failed"}   # cleared after a while; the others stay
VOICE_OFF_BANNERS = {"banner_no_mic", "banner_no_stt"}


class _VoiceSignals(QObject):
    """Crosses from the voice loop's threads to the UI thread."""

    event = Signal(object)
    level = Signal(float)


class KioskWindow(QWidget):
    answer_shown = Signal(object)         # the Answer now on the card

    def __init__(self, services: KioskServices, strings: Strings | None = None, render_size: tuple[int, int] | None = None):
        super().__init__()
        self.setObjectName("kiosk")
        self.services = services
        self.config = services.config
        self.strings = strings or load_strings()
        self.lang = self.config.language.default
        self.default_lang = self.config.language.default
        self.scale_index = 0
        self.high_contrast = False
        self.portrait = self.config.kiosk.orientation == "portrait"
        self.locked = self.config.kiosk.fullscreen
        self.generation = 0                  # bumped on reset: late answers of a previous visitor are dropped
        self.voice_available = services.voice is not None
        self.tts_available = services.voice is not None
        self._cues: dict[int, tuple] = {}
        self._quiet_start = False
        self._captions: list[str] = []
        self._caption_timer = QTimer(self)
        self._caption_timer.setSingleShot(True)
        self._caption_timer.timeout.connect(self._next_caption)
        self.background = Background(parent=self)
        self.lag = LoopLagProbe(parent=self)     # started by the headless check that reports it (runner)
        self.voice_signals = _VoiceSignals(self)
        self.voice_signals.event.connect(self.on_voice_event)
        self.voice_signals.level.connect(self._on_level)
        self.session = SessionClock(self.config.session.idle_timeout_s, self.config.session.idle_warning_s, self)
        self.session.started.connect(self._greet)
        self.session.warning.connect(self._ask_still_there)
        self.session.expired.connect(self.reset)
        self.session.resumed.connect(lambda: self.still_there.hide())
        self._build(render_size)
        self._heartbeat = QTimer(self)
        self._heartbeat.timeout.connect(self._on_heartbeat)
        self._heartbeat.start(5000)
        self._transient = QTimer(self)
        self._transient.setSingleShot(True)
        self._transient.timeout.connect(self._clear_transient_banners)
        self.apply_theme()
        self.retranslate()
        self.show_home()
        QApplication.instance().installEventFilter(self)

    # -- construction ---------------------------------------------------------------------
    def _build(self, render_size: tuple[int, int] | None) -> None:
        self._requested_render_size = render_size
        self.render_size = render_size or ((720, 640) if self.portrait else (800, 720))
        self.guide_problem: str | None = None
        self.main_guide = StillGuide(self.render_size, self.services.still_picture)  # until start() builds the 3D guide
        self.avatar = AvatarView(self.main_guide)
        self.avatar.on_failure = self._avatar_failed

        self.topbar = QFrame()
        self.topbar.setObjectName("topbar")
        self.corner = TapCorner()
        self.corner.unlocked.connect(self._open_pin)
        self.title = label("", "title", wrap=False)
        self.lang_buttons = {}
        bar = QVBoxLayout(self.topbar) if self.portrait else QHBoxLayout(self.topbar)
        bar.setContentsMargins(0, 0, 16, 8 if self.portrait else 0)
        heading = QHBoxLayout()
        heading.addWidget(self.corner)
        heading.addWidget(self.title, 1)
        top = QHBoxLayout()
        if self.portrait:
            top.addSpacing(20)
        bar.addLayout(heading, 1)
        bar.addLayout(top)
        for code in self.config.language.offered:
            widget = button(self.strings.get("lang_name", code), "", lambda _=False, c=code: self.choose_language(c))
            widget.setCheckable(True)
            self.lang_buttons[code] = widget
            top.addWidget(widget)
        self.size_button = button("", "", self.cycle_text_size)
        self.contrast_button = button("", "", self.toggle_contrast)
        self.contrast_button.setCheckable(True)
        top.addSpacing(20)
        top.addWidget(self.size_button)
        top.addWidget(self.contrast_button)

        self.banner = Banner()
        self.subtitles = Subtitles()
        self.indicator = ListeningIndicator()
        self.talk_button = button("", "primary", self.talk_pressed)
        self.talk_hint = label("", "muted")

        self.categories = CategoryGrid(columns=3)
        self.categories.chosen.connect(self.open_category)
        self.categories_heading = label("", "heading")
        home = QWidget()
        home_layout = QVBoxLayout(home)
        home_layout.setContentsMargins(0, 0, 0, 0)
        home_layout.addWidget(self.categories_heading)
        home_layout.addWidget(self.categories, 1)
        self.services_page = ServiceList()
        self.services_page.chosen.connect(self.open_service)
        self.card = AnswerCard(self.strings)
        self.card.alternative_chosen.connect(self.open_service)
        self.stack = QStackedWidget()
        for page in (home, self.services_page, self.card):
            self.stack.addWidget(page)
        self.back_button = button("", "", self.show_home)
        self.finish_button = button("", "", self.session.end)

        self.text_box = QLineEdit()
        self.text_box.returnPressed.connect(self.submit_text)
        self.send_button = button("", "primary", self.submit_text)
        self.keyboard_button = button("", "", self.toggle_keyboard)
        self.keyboard = OnScreenKeyboard(self.text_box)
        self.keyboard.submitted.connect(self.submit_text)
        self.keyboard.hide()

        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.finish_button)
        typing = QHBoxLayout()
        typing.addWidget(self.text_box, 1)
        typing.addWidget(self.keyboard_button)
        typing.addWidget(self.send_button)
        right = QVBoxLayout()
        right.setSpacing(14)
        right.addLayout(nav)
        right.addWidget(self.stack, 1)
        right.addWidget(self.keyboard)
        right.addLayout(typing)

        voice_box = QVBoxLayout()
        voice_box.setSpacing(12)
        voice_box.addWidget(self.avatar, 1)
        voice_box.addWidget(self.subtitles)
        voice_box.addWidget(self.indicator)
        voice_box.addWidget(self.talk_button)
        voice_box.addWidget(self.talk_hint)

        body = QVBoxLayout() if self.portrait else QHBoxLayout()
        body.setSpacing(24)
        body.addLayout(voice_box, 5 if self.portrait else 4)
        body.addLayout(right, 6)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self.topbar)
        content = QVBoxLayout()
        content.setContentsMargins(28, 16, 28, 24)
        content.setSpacing(14)
        content.addWidget(self.banner)
        content.addLayout(body, 1)
        root.addLayout(content, 1)

        self.still_there = Overlay(self)
        self.still_title = label("", "cardTitle")
        self.still_hint = label("", "body")
        self.continue_button = button("", "primary", self._continue_session)
        self.end_button = button("", "", self.session.end)
        dialog = QVBoxLayout(self.still_there.dialog)
        dialog.setContentsMargins(40, 30, 40, 30)
        dialog.addWidget(self.still_title)
        dialog.addWidget(self.still_hint)
        row = QHBoxLayout()
        row.addWidget(self.end_button)
        row.addWidget(self.continue_button)
        dialog.addLayout(row)
        self.pin_pad = PinPad(self, self.strings, self.config.technician.pin_sha256)
        self.pin_pad.accepted.connect(self._open_panel)
        self.panel = (TechnicianPanel(self, self.strings, self.services.technician, list(self.config.language.offered))
                      if self.services.technician else None)

    # -- start / stop ---------------------------------------------------------------------
    def start(self) -> None:
        """Build the guide at the view's shape, begin painting frames and listening (window shown)."""
        self._make_guide()
        self.avatar.start()
        if self.services.voice is not None:
            self.indicator.set_state("starting", self.strings.get("state_starting", self.lang))
            self.services.voice.start(self.voice_signals.event.emit, self.voice_signals.level.emit)
        else:
            self._voice_off()
        self._enter_attract()
        log.info("kiosk window started: %dx%d, guide %s, voice %s", self.width(), self.height(),
                 "3D" if self.avatar.guide.animated else f"still ({self.guide_problem})",
                 "on" if self.services.voice is not None else "off")
        for callback in self.services.on_ready:
            callback()

    def _make_guide(self) -> None:
        if self._requested_render_size is None:
            self.layout().activate()        # the view's final shape, before the stage is made
            self.render_size = render_size_for(self.avatar.width(), self.avatar.height())
        framing = "portrait" if self.render_size[1] > self.render_size[0] else "landscape"
        try:
            guide = self.services.make_guide(self.render_size, framing)
        except Exception as exc:       # Panda3D missing or failing: a still picture, never a crash
            self.guide_problem = f"{type(exc).__name__}: {exc}"
            log.error("the 3D guide cannot start, showing a still picture: %s", self.guide_problem)
            self._show_banner("banner_no_avatar")
            return
        self.main_guide.close()
        self.main_guide = guide
        self.avatar.set_guide(guide)

    def shutdown(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self.session.blockSignals(True)
        self.session.end()
        for timer in (self._heartbeat, self._transient, self._caption_timer):
            timer.stop()
        self.avatar.stop()
        self.lag.stop()
        if self.services.voice is not None:
            self.services.voice.stop()
        self.background.wait(5000)
        self.avatar.guide.close()
        if self.avatar.guide is not self.main_guide:
            self.main_guide.close()

    # -- language, text size, contrast --------------------------------------------------------
    def t(self, key: str, **values) -> str:
        return self.strings.get(key, self.lang, **values)

    def choose_language(self, lang: str) -> None:
        self.session.activity()
        self.set_language(lang)

    def set_language(self, lang: str) -> None:
        if lang not in self.config.language.offered:
            return
        changed = lang != self.lang
        self.lang = lang
        self.retranslate()
        if changed and self.card.answer is not None and self.card.answer.card is not None:
            self.open_service(self.card.answer.card.service_id, speak=False)
        elif changed and self.stack.currentWidget() is self.services_page:
            self.open_category(self._category)

    def retranslate(self) -> None:
        self.title.setText(self.t("title"))
        for code, widget in self.lang_buttons.items():
            widget.setChecked(code == self.lang)
        self.size_button.setText(f"{self.t('text_size')} {'Ａ' * (self.scale_index + 1)}")
        self.contrast_button.setText(self.t("contrast"))
        self.talk_button.setText(self.t("talk"))
        self.talk_hint.setText(self.t("talk_hint"))
        self.categories_heading.setText(self.t("categories_heading"))
        self.categories.fill([(c.id, c.name.get(self.lang)) for c in self.services.catalog.categories])
        self.back_button.setText(self.t("home"))
        self.finish_button.setText(self.t("finish"))
        self.text_box.setPlaceholderText(self.t("type_placeholder"))
        self.send_button.setText(self.t("send"))
        self.keyboard_button.setText(self.t("keyboard"))
        self.keyboard.set_labels(self.t("keyboard_space"), self.t("keyboard_delete"), self.t("send"),
                                 self.t("keyboard_close"), self.t("keyboard_kana"), self.t("keyboard_abc"))
        self.subtitles.set_prefixes(self.t("guide_says"), self.t("you_said"))
        self.still_title.setText(self.t("still_there"))
        self.still_hint.setText(self.t("still_there_hint"))
        self.continue_button.setText(self.t("continue"))
        self.end_button.setText(self.t("finish"))
        state_key = {"listening": "state_listening", "hearing": "state_hearing", "thinking": "state_thinking",
                     "speaking": "state_speaking", "off": "state_off", "starting": "state_starting"}
        self.indicator.set_state(self.indicator.state, self.t(state_key[self.indicator.state]))
        for code in self.banner.codes:
            self.banner.show_message(code, self.t(code))
        if self.session.state == "idle":
            self.subtitles.show_guide(self.t("attract"))

    def cycle_text_size(self) -> None:
        self.scale_index = (self.scale_index + 1) % len(theme.SCALES)
        self.apply_theme()
        self.retranslate()

    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.contrast_button.setChecked(self.high_contrast)
        self.apply_theme()

    def apply_theme(self, short_side: int | None = None) -> None:
        """Restyle for the screen: `short_side` before the window is shown, else its current size."""
        if short_side:
            self._short_side = short_side
        if self.isVisible() and self.height() > 200:
            self._short_side = min(self.width(), self.height())
        short = getattr(self, "_short_side", 1080)
        px = theme.base_px(short, theme.SCALES[self.scale_index])
        self.setFont(theme.app_font(px))
        self.setStyleSheet(theme.stylesheet(theme.HIGH_CONTRAST if self.high_contrast else theme.CALM, px,
                                            theme.base_px(short, 1.0)))
        self.card.qr_px = max(260, round(px * 13))
        self.subtitles.setFixedHeight(round(px * 1.5 * 5) + 30)   # fixed: the avatar view keeps its shape
        self.subtitles.set_base_px(px)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_theme()
        for overlay in (self.still_there, self.pin_pad, self.panel):
            if overlay is not None and overlay.isVisible():
                overlay.setGeometry(self.rect())

    # -- touch path ---------------------------------------------------------------------------
    def show_home(self) -> None:
        self.stack.setCurrentIndex(0)
        self.back_button.setVisible(False)
        self.finish_button.setVisible(self.session.state != "idle")
        self._drive_guide(lambda guide: guide.attend())

    def open_category(self, category_id: str) -> None:
        self._category = category_id
        category = next(c for c in self.services.catalog.categories if c.id == category_id)
        services = [(s.id, s.name.get(self.lang)) for s in self.services.catalog.services.values()
                    if s.category == category_id]
        self.services_page.fill(self.t("services_heading", category=category.name.get(self.lang)), services)
        self.stack.setCurrentWidget(self.services_page)
        self.back_button.setVisible(True)
        self.finish_button.setVisible(True)

    def open_service(self, service_id: str, speak: bool = True) -> None:
        started = time.perf_counter()
        answer = self.services.answer_for_service(service_id, self.lang)
        self.show_answer(answer, speak=speak)
        if speak:
            self.services.record_usage(answer, (time.perf_counter() - started) * 1000, "touch")

    # -- typing ---------------------------------------------------------------------------------
    def toggle_keyboard(self) -> None:
        self.keyboard.setVisible(not self.keyboard.isVisible())

    def submit_text(self) -> None:
        text = self.text_box.text().strip()
        if not text:
            return
        self.ask_text(text)

    def ask_text(self, text: str) -> None:
        """Ask `text` as if typed: off the UI thread; the card shows when the answer is back."""
        self._activity_with_a_question()
        self.text_box.setText("")   # setText also drops the undo history
        self.keyboard.hide()
        self._stop_speaking()
        self.subtitles.show_visitor(text)
        if self.config.language.auto_switch and self.lang != "en" and detect_language(text, "ja") == "en":
            self.set_language("en")     # typed English: answer and show everything in English
        self.indicator.set_state("thinking", self.t("state_thinking"))
        generation, lang, started = self.generation, self.lang, time.perf_counter()

        def done(answer: Answer) -> None:
            if generation != self.generation:
                return   # the visitor left; this answer belongs to nobody now
            self._restore_indicator()
            self.show_answer(answer)
            self.services.record_usage(answer, (time.perf_counter() - started) * 1000, "text")

        def failed(exc: Exception) -> None:
            if generation == self.generation:
                self._restore_indicator()
                self._show_banner("banner_answer_failed")

        self.background.run(lambda: self.services.ask(text, lang), done, failed)

    # -- the answer card ---------------------------------------------------------------------------
    def show_answer(self, answer: Answer, speak: bool = True, from_voice: bool = False) -> None:
        if answer.lang != self.lang and answer.lang in self.config.language.offered:
            self.lang = answer.lang
            self.retranslate()
        self.card.show_answer(answer, self.lang)
        self.stack.setCurrentWidget(self.card)
        self.back_button.setVisible(True)
        self.finish_button.setVisible(True)
        if answer.card is not None and answer.card.qr_url:
            self._drive_guide(lambda guide: guide.point_at_qr())
        if speak and not from_voice:
            self._stop_speaking()        # a new choice: the guide stops what it was saying
            self._speak(answer.text)
        self.answer_shown.emit(answer)

    def _speak(self, text: str) -> None:
        if self.services.voice is not None and self.tts_available:
            self.subtitles.show_guide("")
            self.services.voice.say(text, self.lang)
        else:
            self.caption(text)   # no sound: the subtitles carry the answer, sentence by sentence

    def caption(self, text: str) -> None:
        """Show `text` as subtitles one sentence at a time, each long enough to read (silent mode)."""
        from navigator.brain.answer import sentences_of

        self._captions = sentences_of(text) or [text]
        self._next_caption()

    def _next_caption(self) -> None:
        if not self._captions:
            return
        sentence = self._captions.pop(0)
        self.subtitles.show_guide(sentence)
        if self._captions:
            self._caption_timer.start(int(max(3.0, len(sentence) / (6 if self.lang != "en" else 14)) * 1000))

    def _stop_speaking(self) -> None:
        self._captions = []
        self._caption_timer.stop()
        if self.services.voice is not None:
            self.services.voice.interrupt()
        self._drive_guide(lambda guide: guide.stop_speaking())

    # -- voice --------------------------------------------------------------------------------------
    def talk_pressed(self) -> None:
        self.session.activity()
        self._stop_speaking()
        if self.voice_available:
            self.indicator.set_state("listening", self.t("state_listening"))
            self.subtitles.show_guide(self.t("talk_hint"))
        else:
            self._show_banner("banner_no_mic")

    def on_voice_event(self, event) -> None:
        """Every voice-loop event, on the UI thread."""
        if isinstance(event, ev.Ready):   # listening (at start, or the microphone is back)
            if "banner_no_stt" not in self.banner.codes:
                self.voice_available = True
                self.banner.clear("banner_no_mic")
            if self.voice_available:
                self.indicator.set_state("listening", self.t("state_listening"))
        elif isinstance(event, ev.SpeechStarted):
            self._activity_with_a_question()
            self._drive_guide(lambda guide: guide.attend())     # look at the visitor who is talking
            self.indicator.set_state("hearing", self.t("state_hearing"))
        elif isinstance(event, ev.SpeechEnded):
            self._speech_ended_at = time.perf_counter()
            self.indicator.set_state("thinking", self.t("state_thinking"))
        elif self.session.state == "idle" and isinstance(event, (ev.Transcript, ev.AnswerReady, ev.SpeechAudio,
                                                                  ev.PlaybackStarted)):
            return   # left over from a visitor who is gone (the reset already interrupted the loop)
        elif isinstance(event, ev.Transcript):
            self.session.activity()
            self.subtitles.show_visitor(event.text)
        elif isinstance(event, ev.AnswerReady):
            self._cues = {}
            if isinstance(event.payload, Answer):
                self.show_answer(event.payload, from_voice=True)
                ended = getattr(self, "_speech_ended_at", None)
                self.services.record_usage(event.payload, (time.perf_counter() - ended) * 1000 if ended else None,
                                           "voice")
            if not self.tts_available:
                self.caption(event.text)
        elif isinstance(event, ev.SpeechAudio):
            self._cues[event.index] = event.cues
        elif isinstance(event, ev.PlaybackStarted):
            self.session.hold(True)
            self.subtitles.show_guide(event.sentence)
            self.indicator.set_state("speaking", self.t("state_speaking"))
            self._drive_guide(lambda guide: guide.speak(self._cues.get(event.index, ())))
        elif isinstance(event, ev.PlaybackFinished):
            self._drive_guide(lambda guide: guide.stop_speaking())
            self.session.hold(False)
            self._restore_indicator()
        elif isinstance(event, ev.Interrupted):
            self._drive_guide(lambda guide: guide.stop_speaking())
            self.session.hold(False)
        elif isinstance(event, ev.StageError):
            self._voice_error(event)

    def _voice_error(self, error: ev.StageError) -> None:
        key = BANNER_FOR_ERROR.get(error.code)
        log.warning("voice: %s: %s", error.code.value, error.message)
        if key in VOICE_OFF_BANNERS:
            self.voice_available = False
            self.indicator.set_state("off", self.t("state_off"))
        if error.code == ev.ErrorCode.TTS_FAILED:   # no audio is made: the window shows the captions itself
            self.tts_available = False
            answer = self.card.answer
            if answer is not None:
                self.caption(answer.text)
        if key in TRANSIENT_BANNERS:
            self._restore_indicator()
        if key:
            self._show_banner(key)

    def _voice_off(self) -> None:
        self.voice_available = self.tts_available = False
        self.indicator.set_state("off", self.t("state_off"))

    def _restore_indicator(self) -> None:
        if self.voice_available:
            self.indicator.set_state("listening", self.t("state_listening"))
        else:
            self.indicator.set_state("off", self.t("state_off"))

    def _on_level(self, rms: float) -> None:
        self.indicator.set_level(rms)
        if self.panel is not None and self.panel.isVisible():
            self.panel.set_level(self.indicator.level.value())

    def _show_banner(self, key: str) -> None:
        self.banner.show_message(key, self.t(key))
        if key in TRANSIENT_BANNERS:
            self._transient.start(8000)

    def _clear_transient_banners(self) -> None:
        for code in TRANSIENT_BANNERS:
            self.banner.clear(code)

    # -- session --------------------------------------------------------------------------------------
    def _activity_with_a_question(self) -> None:
        """The visitor speaks or types: a session this starts begins without the spoken greeting."""
        self._quiet_start = True
        self.session.activity()
        self._quiet_start = False

    def _greet(self) -> None:
        """A visitor began: wave, and say hello unless they already asked something (voice or typing)."""
        quiet = self._quiet_start
        self._leave_attract()
        self.subtitles.clear()
        self.finish_button.setVisible(True)
        self._drive_guide(lambda guide: guide.greet())
        if not quiet:
            self._speak(self.t("greeting"))

    def _ask_still_there(self) -> None:
        self.still_there.open()
        self._speak(self.t("still_there"))

    def _continue_session(self) -> None:
        self.still_there.hide()
        self.session.activity()

    def reset(self) -> None:
        """A full reset: nothing of the previous visitor stays on screen or in memory."""
        self.generation += 1
        self._stop_speaking()
        self.services.reset_conversation()
        if self.services.voice is not None:
            self.services.voice.forget()
        self.still_there.hide()
        self.keyboard.hide()
        self.text_box.setText("")   # setText also drops the undo history
        self.card.clear()
        self.services_page.fill("", [])
        self.subtitles.clear()
        self._cues = {}
        self._clear_transient_banners()
        if self.scale_index or self.high_contrast:
            self.scale_index, self.high_contrast = 0, False
            self.contrast_button.setChecked(False)
            self.apply_theme()
        self.lang = self.default_lang
        self.retranslate()
        self.show_home()
        self._restore_indicator()
        self._enter_attract()

    def _enter_attract(self) -> None:
        self.subtitles.show_guide(self.t("attract"))
        self.finish_button.setVisible(False)
        if self.services.attract_player is None or getattr(self, "_attract_loading", False):
            return
        try:
            player = self.services.attract_player(self.render_size)
        except Exception as exc:
            log.warning("attract scenes switched off: %s: %s", type(exc).__name__, exc)
            self.services.attract_player = None   # scenes do not work here: the guide's idle stays
            return
        self._attract_loading = True
        generation = self.generation

        def ready(_) -> None:
            self._attract_loading = False
            if self.session.state != "idle" or generation != self.generation:
                player.close()
                return
            self.avatar.set_guide(SceneGuide(player, time.monotonic))

        def failed(exc: Exception) -> None:
            log.warning("attract scene not played: %s: %s", type(exc).__name__, exc)
            self._attract_loading = False
            player.close()

        self.background.run(player.prepare, ready, failed)

    def _leave_attract(self) -> None:
        if self.avatar.guide is not self.main_guide:
            scene = self.avatar.guide
            self.avatar.set_guide(self.main_guide)
            scene.close()

    def _on_heartbeat(self) -> None:
        self.services.heartbeat()
        config = self.services.poll_config()
        if config is not None:
            self.apply_config(config)

    def apply_config(self, config) -> None:
        """A technician's edit of kiosk_config.toml, applied live: languages, idle times, PIN.

        Devices, engines and orientation need a restart (the technician panel has one).
        """
        self.config = self.services.config = config
        self.default_lang = config.language.default
        self.session.set_times(config.session.idle_timeout_s, config.session.idle_warning_s)
        self.pin_pad.set_hash(config.technician.pin_sha256)
        if self.session.state == "idle" and self.lang != self.default_lang:
            self.lang = self.default_lang
            self.retranslate()

    def set_default_language(self, lang: str) -> None:
        self.default_lang = lang

    def _drive_guide(self, action) -> None:
        """Ask the guide to move; a failing 3D guide becomes a still picture instead of an error."""
        try:
            action(self.avatar.guide)
        except Exception as exc:
            self.avatar.stop()
            self._avatar_failed(exc)

    # -- failures -------------------------------------------------------------------------------------
    def _avatar_failed(self, exc: Exception) -> None:
        """The 3D guide stopped: show its last frame (or a drawing) as a still, and say so calmly."""
        self.guide_problem = f"{type(exc).__name__}: {exc}"
        log.error("the 3D guide stopped, showing a still picture: %s", self.guide_problem)
        failed = self.avatar.guide
        still = StillGuide(self.render_size, self.services.still_picture, self.avatar.last_frame())
        if failed is self.main_guide:
            self.main_guide = still
        self.avatar.set_guide(still)
        self._show_banner("banner_no_avatar")
        self.avatar.start()

    # -- technicians and lockdown ------------------------------------------------------------------------
    def _open_pin(self) -> None:
        if self.config.technician.pin_sha256 and self.panel is not None:
            self.pin_pad.open_pad(self.lang)

    def _open_panel(self) -> None:
        self.panel.open_panel(self.lang, self.default_lang)

    def unlock(self) -> None:
        """Allow closing (the technician's exit)."""
        self.locked = False

    def quit_kiosk(self, code: int = 0) -> None:
        self.unlock()
        QApplication.instance().exit(code)

    def closeEvent(self, event) -> None:
        if self.locked:
            event.ignore()       # Alt+F4 and the window manager's close: kiosk mode stays
            return
        super().closeEvent(event)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            technician = self.pin_pad.isVisible() or (self.panel is not None and self.panel.isVisible())
            if technician or watched is self.corner:
                pass
            elif self.still_there.isVisible():
                if watched is not self.end_button:
                    QTimer.singleShot(0, self._continue_session)   # any touch: "yes, still here"
            else:
                self.session.activity()
        if self.locked and kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and _is_escape(event):
            return True
        return False

    def keyPressEvent(self, event) -> None:
        if self.locked and _is_escape(event):
            event.accept()
            return
        super().keyPressEvent(event)


def render_size_for(width: int, height: int, longest: int = 960) -> tuple[int, int]:
    """The 3D render size: the view's shape, at most `longest` pixels on its long side, even numbers."""
    width, height = max(width, 64), max(height, 64)
    scale = min(1.0, longest / max(width, height))
    return (max(64, round(width * scale / 2) * 2), max(64, round(height * scale / 2) * 2))


def _is_escape(event) -> bool:
    key, mods = event.key(), event.modifiers()
    if key in (Qt.Key.Key_Escape, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Meta):
        return True
    if key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier:
        return True
    if key == Qt.Key.Key_Tab and mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
        return True
    return key in (Qt.Key.Key_Q, Qt.Key.Key_W) and bool(mods & Qt.KeyboardModifier.ControlModifier)
