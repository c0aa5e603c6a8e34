"""The voice loop end to end: real VAD, Whisper, answers and OpenJTalk, file-backed or paced like devices."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from conftest import ROOT
from navigator.brain.answerer import Answerer
from navigator.config import load_config
from navigator.speech import CatalogAnswer, build_engines, pipeline_config
from navigator.spoken_samples import VISITOR_QUESTIONS, visitor_audio
from voice import events as ev
from voice.audio import FRAME, RATE, Audio
from voice.files import BufferSink, BufferSource
from voice.pipeline import VoicePipeline


@pytest.fixture(scope="module")
def kiosk(catalog):
    config = load_config(ROOT / "kiosk_config.toml")
    engines = build_engines(config, catalog)
    engines.stt.warm_up()
    return config, engines, CatalogAnswer(Answerer(catalog))


class Events(list):
    """Collects events (from any thread) with their arrival time."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []
        self.changed = threading.Condition()

    def __call__(self, event) -> None:
        with self.changed:
            self.append(event)
            self.times.append(time.monotonic())
            self.changed.notify_all()

    def of(self, kind) -> list:
        return [e for e in self if isinstance(e, kind)]

    def time_of(self, kind) -> float:
        return next(t for e, t in zip(self, self.times) if isinstance(e, kind))

    def wait_for(self, predicate, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)


def pipeline(kiosk, source, sink, events) -> VoicePipeline:
    config, engines, answer = kiosk
    return VoicePipeline(source, sink, engines.vad_factory(), engines.stt, engines.tts, answer, events,
                         pipeline_config(config))


def test_one_spoken_turn_is_heard_answered_and_spoken(kiosk):
    events, sink = Events(), BufferSink()
    pipeline(kiosk, BufferSource(visitor_audio("住民票の写しがほしいです")), sink, events).run(turns=1)
    kinds = [type(e) for e in events]
    assert kinds.index(ev.SpeechStarted) < kinds.index(ev.SpeechEnded) < kinds.index(ev.Transcript)
    assert "住民票" in events.of(ev.Transcript)[0].text
    answer = events.of(ev.AnswerReady)[0]
    assert answer.service_ids[0] == "residence-certificate" and answer.lang == "ja"
    spoken = events.of(ev.SpeechAudio)
    assert "".join(s.sentence for s in spoken).replace(" ", "") == "".join(answer.sentences).replace(" ", "")
    assert len(spoken[0].sentence) < len(answer.sentences[0])  # the first part is short: it plays sooner
    for chunk in spoken:                                   # lip-sync cues cover each sentence's audio
        assert chunk.cues[0].start_s == 0 and abs(chunk.cues[-1].end_s - chunk.audio.seconds) < 0.03
        assert {c.viseme for c in chunk.cues} & {"a", "i", "u", "e", "o"}
    reply = sink.audio()
    assert reply.seconds > 3 and reply.rms() > 0.02        # the reply contains speech
    assert events.of(ev.PlaybackFinished) == [ev.PlaybackFinished(interrupted=False)]


@pytest.mark.parametrize("sound", ["silence", "noise", "hum"])
def test_no_answer_to_silence_or_noise(kiosk, sound):
    rng = np.random.default_rng(7)
    samples = {"silence": np.zeros(3 * RATE, np.float32),
               "noise": rng.normal(0, 0.05, 3 * RATE).astype(np.float32),
               "hum": (0.2 * np.sin(2 * np.pi * 50 * np.arange(3 * RATE) / RATE)).astype(np.float32)}[sound]
    events, sink = Events(), BufferSink()
    pipeline(kiosk, BufferSource(Audio(samples)), sink, events).run()
    assert not events.of(ev.AnswerReady) and not sink.played


def test_spoken_questions_in_another_voice_are_routed_right(kiosk):
    right, heard = 0, []
    for question, expected in VISITOR_QUESTIONS:
        events = Events()
        pipeline(kiosk, BufferSource(visitor_audio(question)), BufferSink(), events).run(turns=1)
        answers = events.of(ev.AnswerReady)
        heard.append((question, [t.text for t in events.of(ev.Transcript)], answers and answers[0].service_ids[:1]))
        right += bool(answers) and answers[0].service_ids[:1] == (expected,)
    assert right >= 9, heard


def run_in_background(p: VoicePipeline) -> threading.Thread:
    thread = threading.Thread(target=p.run, daemon=True)
    thread.start()
    return thread


def test_barge_in_stops_playback_and_drops_queued_audio(kiosk):
    """The visitor speaks again while the kiosk answers: it stops within 300 ms and answers the new question."""
    first = visitor_audio("子どもを保育園に入れたいです", tail_s=2.5)
    second = visitor_audio("粗大ごみを出したいんですが", seed=1, lead_s=0.0)
    events, sink = Events(), BufferSink(realtime=True)
    p = pipeline(kiosk, BufferSource(Audio.concat([first, second]), tail_s=3.0, realtime=True), sink, events)
    thread = run_in_background(p)
    assert events.wait_for(lambda e: len(e.of(ev.AnswerReady)) >= 2, timeout=40), events
    p.stop()
    thread.join(timeout=20)
    interrupted = events.time_of(ev.Interrupted)
    assert sink.stopped_at and 0 <= sink.stopped_at[0] - interrupted < 0.3
    daycare, garbage = events.of(ev.AnswerReady)[:2]
    assert daycare.service_ids[0] == "daycare-application" and garbage.service_ids[0] == "oversized-garbage"
    started_before = [e for e, t in zip(events, events.times) if isinstance(e, ev.PlaybackStarted) and t < interrupted]
    assert len(started_before) < len(daycare.sentences)    # the rest of the first answer was dropped
    assert ev.PlaybackFinished(interrupted=True) in events


class Room:
    """A room with open speakers: the microphone hears the visitor and the kiosk's own voice (source and sink)."""

    def __init__(self, visitor: Audio, coupling: float = 0.8, seconds: float = 30.0):
        self.visitor = np.zeros(int(seconds * RATE), np.float32)
        self.visitor[: len(visitor.samples)] = visitor.samples
        self.speaker = np.zeros_like(self.visitor)
        self.coupling = coupling
        self.start = time.monotonic()
        self._closed = threading.Event()
        self._stop = threading.Event()

    def _now(self) -> int:
        return int((time.monotonic() - self.start) * RATE)

    def frames(self):
        for index in range(len(self.visitor) // FRAME):
            delay = self.start + (index + 1) * FRAME / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if self._closed.is_set():
                return
            span = slice(index * FRAME, (index + 1) * FRAME)
            yield Audio(self.visitor[span] + self.coupling * self.speaker[span])

    def play(self, audio: Audio) -> bool:
        self._stop.clear()
        block = RATE // 50
        samples = audio.resampled(RATE).samples
        for start in range(0, len(samples), block):
            if self._stop.is_set():
                return False
            at = self._now()
            chunk = samples[start : start + block][: max(0, len(self.speaker) - at)]
            self.speaker[at : at + len(chunk)] += chunk
            time.sleep(len(chunk) / RATE if len(chunk) else 0.02)
        return True

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._closed.set()


def test_the_kiosk_does_not_answer_or_interrupt_its_own_voice(kiosk):
    room = Room(visitor_audio("住民票の写しがほしいです"))
    events = Events()
    p = pipeline(kiosk, room, room, events)
    thread = run_in_background(p)
    assert events.wait_for(lambda e: ev.PlaybackFinished() in e or e.of(ev.Interrupted), timeout=45), events
    time.sleep(1.0)                                        # the echo tail, too, must not start a turn
    p.stop()
    thread.join(timeout=20)
    assert not events.of(ev.Interrupted)
    assert len(events.of(ev.Transcript)) == 1 and len(events.of(ev.AnswerReady)) == 1
    assert np.sqrt(np.mean(room.speaker ** 2)) > 0.01      # it did speak, loudly enough to be heard


def test_forget_drops_a_question_in_progress_and_the_audio_heard(kiosk):
    """A reset while a visitor is mid-sentence: that half question is never answered; the next one is."""
    first = visitor_audio("子どもを保育園に入れたいです", tail_s=0.0)
    second = visitor_audio("粗大ごみを出したいんですが", seed=1, lead_s=1.0)
    events = Events()
    half = Audio(first.samples[: int((0.8 + 0.45) * RATE)])   # 0.8 s lead, then 0.45 s of the question
    p = pipeline(kiosk, BufferSource(Audio.concat([half, second]), tail_s=2.0, realtime=True), BufferSink(), events)
    thread = run_in_background(p)
    assert events.wait_for(lambda e: e.of(ev.SpeechStarted), timeout=20)
    p.forget()                                             # the kiosk resets while the first visitor talks
    assert events.wait_for(lambda e: e.of(ev.AnswerReady), timeout=40), events
    p.stop()
    thread.join(timeout=20)
    answers = events.of(ev.AnswerReady)
    assert [a.service_ids[:1] for a in answers] == [("oversized-garbage",)]
    assert all("保育" not in t.text for t in events.of(ev.Transcript))
    ended = events.of(ev.SpeechEnded)
    assert len(ended) == 1 and ended[0].audio.seconds < second.seconds + 1.5   # none of the first visitor's audio
