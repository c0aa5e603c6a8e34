"""The soak run: many file-backed voice turns through ONE voice pipeline, as a kiosk runs all day.

Visitors' clips (Japanese questions in another voice, English through pyttsx3, silence, room noise,
barge-ins, clipped shouting, 48 kHz stereo, empty audio) are played one after another into the
real pipeline (Silero VAD, Whisper, the catalog, OpenJTalk/pyttsx3). Each clip waits until the
kiosk has answered, like a visitor. A turn fails when the kiosk reports an error other than "no
speech", freezes (not idle within a minute), or leaves a question without any reaction.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from voice import events as ev
from voice.audio import RATE, Audio, to_mono_float
from voice.files import BufferSource

ENGLISH_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("I would like a copy of my residence certificate.", "residence-certificate"),
    ("How do I throw away oversized garbage?", "oversized-garbage"),
    ("I want to apply for a My Number card.", "mynumber-card"),
)
FROZEN_S = 60.0
NOT_FAILURES = {ev.ErrorCode.NO_SPEECH}


@dataclass(frozen=True)
class Clip:
    """One visitor's turn: what is heard, and the service expected (None: no answer expected)."""

    kind: str
    audio: Audio
    expect: str | None = None
    tail_s: float = 1.0


def make_clips(seed: int = 0) -> list[Clip]:
    """A cycle of varied turns (20 clips), built once and replayed."""
    from navigator.spoken_samples import VISITOR_QUESTIONS, visitor_audio
    from voice.tts_pyttsx3 import Pyttsx3Tts

    rng = np.random.default_rng(seed)
    ja = [Clip("question-ja", visitor_audio(text, seed=i), sid) for i, (text, sid) in enumerate(VISITOR_QUESTIONS)]
    english_voice = Pyttsx3Tts(speed=0.95)
    en = []
    for text, sid in ENGLISH_QUESTIONS[:2]:
        speech = english_voice.synthesize(text, "en").audio.resampled(RATE)
        pad = np.zeros(int(0.6 * RATE), np.float32)
        en.append(Clip("question-en", Audio(np.concatenate([pad, speech.samples, pad])), sid))
    silence = Clip("silence", Audio.silence(2.0))
    noise = Clip("noise", Audio(rng.normal(0, 0.03, 2 * RATE).astype(np.float32)))
    hum = np.sin(2 * np.pi * 50 * np.arange(2 * RATE) / RATE).astype(np.float32) * 0.05
    hum_clip = Clip("noise", Audio(hum + rng.normal(0, 0.01, 2 * RATE).astype(np.float32)))
    first, second = ja[2], ja[3]
    barge = Clip("barge-in", Audio(np.concatenate([first.audio.samples, np.zeros(int(0.2 * RATE), np.float32),
                                                   second.audio.samples])), second.expect)
    loud = Clip("clipped", Audio(np.clip(ja[0].audio.samples * 40, -1, 1)), ja[0].expect)
    stereo48 = np.repeat(ja[1].audio.resampled(48_000).samples[:, None], 2, axis=1)   # as a 48 kHz stereo file
    wide = Clip("stereo-48k", Audio(to_mono_float(stereo48), 48_000).resampled(RATE), ja[1].expect)
    empty = Clip("empty", Audio(np.zeros(0, np.float32)), tail_s=0.1)
    barge_two = Clip("barge-in", Audio(np.concatenate([ja[6].audio.samples, np.zeros(int(0.2 * RATE), np.float32),
                                                       ja[8].audio.samples])), ja[8].expect)
    return [ja[0], silence, ja[1], en[0], noise, ja[2], barge, ja[3], loud, ja[4], empty, ja[5], hum_clip,
            ja[6], en[1], ja[7], wide, ja[8], barge_two, ja[9]]


class TurnSource:
    """An AudioSource that plays clips one after another, waiting for the kiosk between them."""

    def __init__(self, clips: Sequence[Clip], turns: int, before: Callable[[int, Clip], None],
                 after: Callable[[int, Clip], None], pause_s: float = 0.0):
        self._clips, self._turns = clips, turns
        self._before, self._after = before, after
        self._pause_s = pause_s
        self._closed = threading.Event()

    def frames(self) -> Iterator[Audio]:
        for index in range(self._turns):
            clip = self._clips[index % len(self._clips)]
            if self._closed.wait(self._pause_s):   # the kiosk's echo guard runs on the wall clock
                return
            self._before(index, clip)
            for frame in BufferSource(clip.audio, tail_s=clip.tail_s).frames():
                if self._closed.is_set():
                    return
                yield frame
            self._after(index, clip)

    def close(self) -> None:
        self._closed.set()


class DiscardingSink:
    """A speaker that counts what it plays and keeps nothing (so memory reflects the kiosk, not the test)."""

    def __init__(self):
        self.played = 0
        self.seconds = 0.0

    def play(self, audio: Audio) -> bool:
        self.played += 1
        self.seconds += audio.seconds
        return True

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class SoakResult:
    turns: int = 0
    failed: int = 0
    failures: list[dict] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    routed_right: int = 0
    answers: int = 0
    no_speech: int = 0
    barge_ins: int = 0
    spurious_answers: int = 0
    reply_audio_s: float = 0.0
    rss_start_mb: float = 0.0         # models loaded and warm, before the first turn
    rss_warm_mb: float = 0.0          # after the first cycle of clips (every buffer size seen once)
    rss_end_mb: float = 0.0
    rss_growth_pct: float = 0.0       # end vs warm
    rss_growth_from_start_pct: float = 0.0
    rss_trend_mb: list[float] = field(default_factory=list)
    threads_start: int = 0
    threads_end: int = 0
    seconds: float = 0.0
    turns_per_s: float = 0.0

    def to_json(self) -> dict:
        return dict(vars(self))


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 2**20


class Soak:
    """Runs `turns` clips through one VoicePipeline and judges each turn from its events."""

    def __init__(self, engines, answer, settings, clips: Sequence[Clip], progress: Callable[[int, SoakResult], None] | None = None):
        self.engines, self.answer, self.settings, self.clips = engines, answer, settings, clips
        self.progress = progress
        self.result = SoakResult()
        self._events: list = []
        self._lock = threading.Lock()
        self.pipeline = None

    def _on_event(self, event) -> None:
        if isinstance(event, (ev.SpeechEnded, ev.SpeechAudio)):
            event = type(event).__name__   # keep the verdict, drop the audio
        with self._lock:
            self._events.append(event)

    def _before(self, index: int, clip: Clip) -> None:
        with self._lock:
            self._events = []

    def _after(self, index: int, clip: Clip) -> None:
        idle = self.pipeline.wait_idle(FROZEN_S)
        with self._lock:
            events, self._events = self._events, []
        self._judge(index, clip, events, idle)
        if not idle:
            self.pipeline.interrupt()
        if index + 1 == min(len(self.clips), self._turns):
            gc.collect()
            self.result.rss_warm_mb = round(rss_mb(), 1)
        if self.progress and (index + 1) % 50 == 0:
            self.result.rss_trend_mb.append(round(rss_mb(), 1))
            self.progress(index + 1, self.result)

    def _judge(self, index: int, clip: Clip, events: list, idle: bool) -> None:
        r = self.result
        r.turns += 1
        r.kinds[clip.kind] = r.kinds.get(clip.kind, 0) + 1
        errors = [e for e in events if isinstance(e, ev.StageError)]
        answers = [e for e in events if isinstance(e, ev.AnswerReady)]
        r.no_speech += sum(e.code == ev.ErrorCode.NO_SPEECH for e in errors)
        r.barge_ins += sum(isinstance(e, ev.Interrupted) for e in events)
        r.answers += len(answers)
        problems = [f"{e.code.value}: {e.message}" for e in errors if e.code not in NOT_FAILURES]
        if not idle:
            problems.append(f"frozen: not idle within {FROZEN_S:.0f} s")
        if clip.expect is not None:
            r.questions += 1
            if answers and clip.expect in answers[-1].service_ids[:1]:
                r.routed_right += 1
            if not answers and not any(e.code == ev.ErrorCode.NO_SPEECH for e in errors):
                problems.append("no reaction to a question")
            elif answers and not any(isinstance(e, ev.PlaybackFinished) for e in events):
                problems.append("answer never finished playing")
        elif answers:
            r.spurious_answers += 1
        if problems:
            r.failed += 1
            if len(r.failures) < 20:
                r.failures.append({"turn": index, "kind": clip.kind, "problems": problems})

    def run(self, turns: int) -> SoakResult:
        from voice.pipeline import VoicePipeline

        sink = DiscardingSink()
        self._turns = turns
        source = TurnSource(self.clips, turns, self._before, self._after, pause_s=self.settings.echo_tail_s + 0.05)
        self.pipeline = VoicePipeline(source, sink, self.engines.vad_factory(), self.engines.stt, self.engines.tts,
                                      self.answer, self._on_event, self.settings)
        gc.collect()
        r = self.result
        r.rss_start_mb, r.threads_start = round(rss_mb(), 1), threading.active_count()
        started = time.perf_counter()
        self.pipeline.run()
        r.seconds = round(time.perf_counter() - started, 1)
        gc.collect()
        r.rss_end_mb, r.threads_end = round(rss_mb(), 1), threading.active_count()
        r.rss_growth_pct = round((r.rss_end_mb - r.rss_warm_mb) / r.rss_warm_mb * 100, 1)
        r.rss_growth_from_start_pct = round((r.rss_end_mb - r.rss_start_mb) / r.rss_start_mb * 100, 1)
        r.turns_per_s = round(r.turns / r.seconds, 2) if r.seconds else 0.0
        r.reply_audio_s = round(sink.seconds, 1)
        return r
