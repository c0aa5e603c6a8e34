"""The composition root: config, catalog, conversation, voice loop, avatar, scenes and ops wired into the kiosk.

The one place that chooses real or file-backed adapters. The window (navigator.ui) receives a
`KioskServices`; the voice loop runs on its own thread and knows nothing of Qt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from navigator.brain.answer import Answer, compose
from navigator.brain.answerer import Answerer
from navigator.brain.conversation import Conversation, build_conversation
from navigator.catalog import Catalog, load_catalog
from navigator.config import KioskConfig
from navigator.errors import UserError
from voice.audio import FRAME, RATE, Audio
from voice.events import AnswerReady, ErrorCode, Ready, StageError

log = logging.getLogger(__name__)
RESTART_EXIT_CODE = 75      # the window asks `navigator kiosk` to start itself again


# -- answering ------------------------------------------------------------------------------------
class SharedConversation:
    """The visitor's conversation, shared by typing (UI worker) and voice (voice worker) under one lock."""

    def __init__(self, conversation: Conversation, catalog: Catalog):
        self.conversation = conversation
        self.catalog = catalog
        self._lock = threading.Lock()
        self._stale = False          # a reset came while a turn held the conversation

    def ask(self, question: str, lang: str) -> Answer:
        self._acquire()
        try:
            return self.conversation.ask(question, lang)
        finally:
            self._release()

    @property
    def streams(self) -> bool:
        """True when a chat model words the answers ([llm] enabled): voice answers then stream."""
        return getattr(self.conversation, "model", None) is not None

    def ask_streamed(self, question: str, lang: str) -> AnswerReady:
        """The voice loop's answer with a chat model: returned at the first guarded sentence, the rest
        following in `more`. The conversation stays locked until the stream is spent or dropped."""
        from navigator.speech import streamed_answer

        self._acquire()
        try:
            ready = streamed_answer(self.conversation, question, lang)
        except BaseException:
            self._release()
            raise
        return replace(ready, more=_LockedStream(ready.more, self._release))

    def answer_for_service(self, service_id: str, lang: str) -> Answer:
        """The card for a service picked by touch (no retrieval): the same grounded composition."""
        service = self.catalog.service(service_id)
        name = service.name.get(lang)
        return compose(service, self.catalog, lang, question=name)

    def reset(self) -> None:
        """Forget the visitor. Never waits (it runs on the UI thread): a turn still holding the
        conversation (a model can take [llm] timeout_s) does the reset when it lets go."""
        self._stale = True
        if self._lock.acquire(blocking=False):
            self._release()

    def _acquire(self) -> None:
        self._lock.acquire()
        self._forget_if_stale()     # a reset that came just as the last turn let go

    def _release(self) -> None:
        self._forget_if_stale()
        self._lock.release()

    def _forget_if_stale(self) -> None:
        if self._stale:
            self._stale = False
            self.conversation.reset()


class _LockedStream:
    """A model's remaining sentences; the conversation is released once they are spent or the
    voice loop closes them (it always does, also when the answer is interrupted or never spoken)."""

    def __init__(self, sentences, release: Callable[[], None]):
        self._sentences, self._release, self._open = iter(sentences or ()), release, True

    def __iter__(self) -> "_LockedStream":
        return self

    def __next__(self) -> str:
        try:
            return next(self._sentences)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                getattr(self._sentences, "close", lambda: None)()
            finally:
                self._release()     # whatever the model's stream does on closing, typing is never locked out

    __del__ = close


@dataclass
class VoiceAnswer:
    """The voice loop's answer callable: the transcript → the grounded answer in the visitor's language."""

    conversation: SharedConversation
    current_lang: Callable[[], str]
    offered: tuple[str, ...]
    auto_switch: bool = True

    def __call__(self, text: str, heard_lang: str) -> AnswerReady:
        if self.conversation.streams:
            return self.conversation.ask_streamed(text, self.target(heard_lang))
        from navigator.speech import answer_ready

        return answer_ready(self.conversation.ask(text, self.target(heard_lang)))

    def target(self, heard_lang: str) -> str:
        """English when the visitor speaks English ([language] auto_switch), else the language on screen."""
        if self.auto_switch and heard_lang == "en" and "en" in self.offered:
            return "en"
        return self.current_lang()


# -- audio adapters used when a device is missing ---------------------------------------------------
class SilentSource:
    """A microphone that hears nothing, paced in real time: keeps the loop speaking when there is no mic."""

    def __init__(self):
        self._closed = threading.Event()

    def frames(self) -> Iterator[Audio]:
        silence = np.zeros(FRAME, dtype=np.float32)
        while not self._closed.wait(FRAME / RATE):
            yield Audio(silence)

    def close(self) -> None:
        self._closed.set()


class NullSink:
    """A speaker that is not there: takes each sentence's time (stoppable), so subtitles and lips keep pace."""

    def __init__(self):
        self._stop = threading.Event()

    def play(self, audio: Audio) -> bool:
        self._stop.clear()
        return not self._stop.wait(audio.seconds)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()


class HearsNothing:
    """VAD for a loop that cannot listen (no speech model): every frame is silence."""

    def probability(self, samples) -> float:
        return 0.0


class MeteredSource:
    """Passes frames through and reports their RMS (about 10 times a second) for the level meter.

    After `outage()` (the microphone went away), the first frame that arrives again reports
    `on_back()`: the window leaves touch-only mode by itself.
    """

    def __init__(self, source, on_level: Callable[[float], None], every: int = 3,
                 on_back: Callable[[], None] = lambda: None):
        self.source, self._on_level, self._every, self._on_back = source, on_level, every, on_back
        self._away = False

    def outage(self) -> None:
        self._away = True

    def frames(self) -> Iterator[Audio]:
        peak = 0.0
        for index, frame in enumerate(self.source.frames(), 1):
            if self._away:
                self._away = False
                self._on_back()
            peak = max(peak, frame.rms())
            if index % self._every == 0:
                self._on_level(peak)
                peak = 0.0
            yield frame

    def close(self) -> None:
        self.source.close()


# -- the voice loop ----------------------------------------------------------------------------------
@dataclass
class VoiceLoop:
    """Builds the engines and runs voice.pipeline.VoicePipeline on its own thread; failures become events.

    `source_factory` / `sink_factory` give the microphone and speaker (sounddevice by default;
    WAV buffers in tests). A missing microphone or speech model leaves a loop that still speaks
    (touch-only input); a missing speaker leaves subtitles only.
    """

    config: KioskConfig
    catalog: Catalog
    answer: Callable[[str, str], AnswerReady]
    source_factory: Callable[[], object] | None = None
    sink_factory: Callable[[], object] | None = None
    engines: object | None = None
    input_device: str | int = ""
    output_device: str | int = ""
    pipeline: object | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _pending: tuple[str, str] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _sink: object | None = field(default=None, init=False)
    _stopped: bool = field(default=False, init=False)

    def __post_init__(self):
        self.input_device = self.input_device or self.config.audio.input_device
        self.output_device = self.output_device or self.config.audio.output_device

    def start(self, on_event: Callable[[object], None], on_level: Callable[[float], None]) -> None:
        self._stopped = False
        self._thread = threading.Thread(target=self._run, args=(self._guarded(on_event), self._guarded(on_level)),
                                        name="voice-loop", daemon=True)
        self._thread.start()

    def _guarded(self, callback: Callable) -> Callable:
        """After stop() (the window may be gone), late events from the loop's threads go nowhere."""
        def call(value) -> None:
            if not self._stopped:
                try:
                    callback(value)
                except RuntimeError:   # the receiving Qt object was deleted meanwhile
                    pass
        return call

    def say(self, text: str, lang: str) -> None:
        with self._lock:
            if self.pipeline is None:
                self._pending = (text, lang)     # spoken as soon as the engines are ready
                return
        self.pipeline.say(text, lang)

    def interrupt(self) -> None:
        with self._lock:
            self._pending = None
        if self.pipeline is not None:
            self.pipeline.interrupt()

    def forget(self) -> None:
        """A reset: stop speaking and erase what the voice loop heard of the last visitor."""
        with self._lock:
            self._pending = None
        if self.pipeline is not None:
            self.pipeline.forget()

    def stop(self) -> None:
        self._stopped = True
        if self.pipeline is not None:
            self.pipeline.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sink is not None:
            try:
                self._sink.close()
            except Exception:
                pass

    def _run(self, on_event, on_level) -> None:
        from navigator.speech import build_engines, build_tts, languages_for_stt, pipeline_config, warm_up_voices
        from voice.pipeline import VoicePipeline

        _lower_priority()
        listening = True
        try:
            engines = self.engines or build_engines(self.config, self.catalog)
            vad, stt, tts = engines.vad_factory(), engines.stt, engines.tts
            stt.warm_up()
        except (UserError, OSError, RuntimeError) as exc:
            on_event(StageError(ErrorCode.STT_MODEL_MISSING, str(exc)))
            listening, vad, stt = False, HearsNothing(), None
            try:
                tts = build_tts(self.config)
            except Exception as tts_exc:
                on_event(StageError(ErrorCode.TTS_FAILED, str(tts_exc)))
                tts = None
        if tts is not None:
            try:
                warm_up_voices(tts, languages_for_stt(self.config))
            except Exception as exc:
                on_event(StageError(ErrorCode.TTS_FAILED, str(exc)))
        source = metered = None
        if listening:   # reopened with backoff when missing or unplugged; one banner per outage
            from voice.devices import ResilientSource

            def mic_event(error: StageError) -> None:
                metered.outage()
                on_event(error)

            source = ResilientSource(self.source_factory or self._microphone, on_event=mic_event)
        metered = MeteredSource(source or SilentSource(), on_level, on_back=lambda: on_event(Ready()))
        try:
            self._sink = self.sink_factory() if self.sink_factory else self._speaker()
        except Exception as exc:
            on_event(StageError(ErrorCode.SPEAKER_UNAVAILABLE, str(exc)))
            self._sink = NullSink()
        pipeline = VoicePipeline(metered, self._sink, vad, stt, tts, self.answer, on_event,
                                 pipeline_config(self.config))
        with self._lock:
            self.pipeline, pending, self._pending = pipeline, self._pending, None
        if pending:
            pipeline.say(*pending)
        try:
            pipeline.run()
        except Exception as exc:   # never take the window down with the voice loop
            log.error("voice loop stopped: %s: %s", type(exc).__name__, exc)
            on_event(StageError(ErrorCode.MIC_UNAVAILABLE, str(exc)))

    def _microphone(self):
        from voice.devices import MicrophoneSource

        return MicrophoneSource(self.input_device)

    def _speaker(self):
        from voice.devices import SpeakerSink

        return SpeakerSink(self.output_device, volume=self.config.audio.volume)


VOICE_NICE = 5   # the voice threads yield the CPU to the UI thread (frames stay smooth on 2 cores)


def _lower_priority() -> None:
    """Lower this thread's CPU priority; threads it creates (pipeline workers, Whisper's pool) inherit it."""
    import os

    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), VOICE_NICE)
    except (AttributeError, OSError):
        pass   # not Linux, or not allowed: the kiosk works, frames may stutter under load


def test_tone(device: str | int, volume: float = 0.5) -> None:
    """One second of a soft 660 Hz tone on `device` (the technician's speaker test)."""
    from voice.audio import tone
    from voice.devices import SpeakerSink

    sink = SpeakerSink(device, volume=volume)
    try:
        sink.play(tone(1.0, amplitude=0.3, fade_s=0.05))
    finally:
        sink.close()


# -- avatar and attract content ----------------------------------------------------------------------
def avatar_model(config: KioskConfig) -> Path | None:
    """The configured avatar file, or None for the built-in guide (a folder: the model in it, if any)."""
    from navigator.avatar.model_loading import configured_model   # pure Python: no Panda3D here

    return configured_model(config.resolve(config.paths.avatar))


BUILTIN_GUIDE_STILL = Path(__file__).resolve().parent / "ui" / "guide_still.png"   # the built-in guide, rendered


def still_picture(config: KioskConfig) -> Path | None:
    """A PNG of the guide to show when the 3D view cannot run: `still.png` next to the configured avatar,
    else the built-in guide's picture when the built-in guide is configured (None: a drawn guide)."""
    configured = config.resolve(config.paths.avatar)
    folder = configured if configured.is_dir() else configured.parent
    if (folder / "still.png").is_file():
        return folder / "still.png"
    return BUILTIN_GUIDE_STILL if configured.is_dir() and BUILTIN_GUIDE_STILL.is_file() else None


def make_guide(config: KioskConfig) -> Callable[[tuple[int, int], str], object]:
    def build(size: tuple[int, int], framing: str):
        from navigator.ui.guide import StageGuide

        return StageGuide(size, framing=framing, model=avatar_model(config), renderer=config.display.renderer)
    return build


def attract_scenes(config: KioskConfig) -> Callable[[tuple[int, int]], object] | None:
    """A factory of scene players for the attract mode, cycling through the `attract = true` scenes
    of [paths] scenes; None when there are none (the guide's idle plays instead).

    Called on the UI thread (the player opens its Panda3D stage on the first frame); the window runs
    `prepare()` (speech synthesis) in the background. Scenes play muted: the lobby stays quiet.
    """
    from navigator.scene.model import SceneError, load_scene

    folder = config.resolve(config.paths.scenes)
    scenes = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            scene = load_scene(path)
        except SceneError as exc:
            log.warning("attract scene skipped: %s", exc)
            continue
        if getattr(scene.scene, "attract", False):
            scenes.append(scene)
    if not scenes:
        return None
    turn = {"next": 0}

    def next_player(size: tuple[int, int]):
        from navigator.scene.player import ScenePlayer
        from navigator.speech import build_tts

        scene = scenes[turn["next"] % len(scenes)]
        turn["next"] += 1
        return ScenePlayer(scene, size=size, tts=build_tts(config), renderer=config.display.renderer)
    return next_player


# -- everything together -------------------------------------------------------------------------------
@dataclass
class Kiosk:
    """The wired kiosk: what the window uses, and the parts the technician's actions change."""

    config: KioskConfig
    conversation: SharedConversation
    voice: VoiceLoop | None = None
    services: object | None = None       # navigator.ui.services.KioskServices
    window: object | None = None         # navigator.ui.window.KioskWindow, once open

    def current_lang(self) -> str:
        """The language on screen (the voice loop answers in it unless the visitor speaks English)."""
        return self.window.lang if self.window is not None else self.config.language.default

    def current_devices(self) -> tuple[str, str]:
        return (str(self.voice.input_device), str(self.voice.output_device)) if self.voice else ("", "")


def build_kiosk(config: KioskConfig, *, voice: bool = True, source_factory=None, sink_factory=None,
                engines=None, guide_factory=None, attract: bool = True) -> Kiosk:
    """Wire the kiosk from the config. Tests pass WAV sources/sinks, preloaded engines or a guide factory."""
    from navigator.ui.services import KioskServices
    from navigator.ui.technician import TechnicianActions

    catalog = load_catalog(config.catalog_dir)
    answerer = Answerer(catalog, config.language.default)
    kiosk = Kiosk(config, SharedConversation(build_conversation(config, answerer), catalog))
    if voice:
        answer = VoiceAnswer(kiosk.conversation, kiosk.current_lang, tuple(config.language.offered),
                             config.language.auto_switch)
        kiosk.voice = VoiceLoop(config, catalog, answer, source_factory=source_factory, sink_factory=sink_factory,
                                engines=engines)
    ops = _ops(config)
    technician = TechnicianActions(
        list_devices=_list_devices, apply_devices=lambda i, o: _apply_devices(kiosk, i, o),
        test_tone=lambda device: threading.Thread(target=_safe_tone, args=(device, config), daemon=True).start(),
        set_default_language=lambda lang: kiosk.window.set_default_language(lang),
        restart=lambda: _quit(kiosk, RESTART_EXIT_CODE), exit=lambda: _quit(kiosk, 0),
        current_devices=kiosk.current_devices)
    kiosk.services = KioskServices(
        config=config, catalog=catalog, ask=kiosk.conversation.ask,
        answer_for_service=kiosk.conversation.answer_for_service, reset_conversation=kiosk.conversation.reset,
        make_guide=guide_factory or make_guide(config), still_picture=still_picture(config), voice=kiosk.voice,
        attract_player=attract_scenes(config) if attract else None, record_usage=ops.record, on_ready=[ops.ready],
        heartbeat=ops.ping, poll_config=ops.poll_config, technician=technician)
    return kiosk


def _list_devices() -> list[dict]:
    from voice.devices import list_devices

    return list_devices()


def _safe_tone(device, config: KioskConfig) -> None:
    try:
        test_tone(device, volume=min(1.0, config.audio.volume))
    except Exception as exc:
        log.warning("speaker test failed: %s", exc)


def _apply_devices(kiosk: Kiosk, input_device: str, output_device: str) -> None:
    """Restart the voice loop on other devices (the technician's choice, until the next start)."""
    old = kiosk.voice
    if old is None or kiosk.window is None:
        return
    old.stop()
    new = VoiceLoop(old.config, old.catalog, old.answer, engines=old.engines or _engines_of(old),
                    input_device=input_device, output_device=output_device)
    kiosk.voice = kiosk.services.voice = new
    kiosk.window.voice_available = kiosk.window.tts_available = True
    kiosk.window.banner.clear()
    new.start(kiosk.window.voice_signals.event.emit, kiosk.window.voice_signals.level.emit)


def _engines_of(loop: VoiceLoop):
    pipeline = loop.pipeline
    if pipeline is None or pipeline.stt is None:
        return None
    from navigator.speech import Engines

    return Engines(vad_factory=type(pipeline.vad), stt=pipeline.stt, tts=pipeline.tts)


def _quit(kiosk: Kiosk, code: int) -> None:
    if kiosk.window is not None:
        kiosk.window.quit_kiosk(code)


@dataclass
class _Ops:
    """Usage counts, the systemd watchdog and the config watcher (navigator.ops)."""

    recorder: object
    watchdog: object
    watcher: object | None = None

    def record(self, answer: Answer, latency_ms: float, channel: str) -> None:
        self.recorder.record(answer, latency_ms=latency_ms, channel=channel)

    def ready(self) -> None:
        self.watchdog.ready()

    def ping(self) -> None:
        self.watchdog.ping()

    def poll_config(self) -> KioskConfig | None:
        """A new valid config after a technician's edit (a bad edit is logged and the last good one kept)."""
        if self.watcher is None:
            return None
        config, problem = self.watcher.poll()
        return config


def _ops(config: KioskConfig) -> _Ops:
    from navigator.ops.config_watch import ConfigWatcher
    from navigator.ops.usage import UsageRecorder
    from navigator.ops.watchdog import Watchdog

    watcher = ConfigWatcher(config.source, initial=config) if config.source else None
    return _Ops(UsageRecorder.from_config(config), Watchdog(), watcher)


def setup_logging(config: KioskConfig) -> None:
    """Rotated JSON-lines logs with the personal-data filter (navigator.ops.logs)."""
    from navigator.ops.logs import setup_logging as ops_logging

    ops_logging(config, component="kiosk")
