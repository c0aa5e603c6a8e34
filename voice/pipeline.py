"""The voice loop: listen → end of turn → transcribe → answer → speak, interruptible.

Three threads, after pipecat's frame pipeline:
- capture (the caller's thread, `run()`): microphone frames → VAD → turn detector, with
  echo gating while the kiosk speaks and barge-in when the visitor talks over it;
- worker: speech-to-text, the answer (a callable from the application), then speech
  synthesis sentence by sentence, so the first sentence plays while the next is made;
- playback: plays synthesized sentences in order.
An interruption bumps a generation number: everything queued for an older generation is
dropped wherever it is, and the speaker stops at once.
Events go to `on_event` (called from any of the threads; the UI hands them to its own).
"""

from __future__ import annotations

import collections
import itertools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voice.audio import FRAME, RATE, Audio
from voice.events import (AnswerReady, ErrorCode, Event, Interrupted, PlaybackFinished, PlaybackStarted, Ready,
                          SpeechAudio, SpeechEnded, SpeechStarted, StageError, Transcript)
from voice.hallucination import is_hallucination
from voice.interfaces import AudioSink, AudioSource, SpeechToText, TextToSpeech
from voice.tts import speaking_chunks, split_sentences
from voice.turns import TurnConfig, TurnDetector, TurnEnded, TurnStarted

AnswerFn = Callable[[str, str], AnswerReady]   # (transcript, language) → the answer to speak
FRAME_S = FRAME / RATE


@dataclass(frozen=True)
class _Job:
    """Work for the worker thread: an utterance to understand (or a ready answer to speak)."""

    generation: int
    audio: Audio | None = None
    ready: AnswerReady | None = None
    speech_end_s: float = -1.0        # identifies the utterance: a speculation matches its turn by it
    speculative: bool = False


@dataclass(frozen=True)
class PipelineConfig:
    languages: tuple[str, ...] = ("ja", "en")
    turn: TurnConfig = field(default_factory=TurnConfig)
    barge_in_s: float = 0.5          # visitor speech needed to interrupt the kiosk
    echo_tail_s: float = 0.4         # after playback, input is still treated as possible echo
    echo_margin: float = 2.5         # while speaking, the mic must be this much louder than the expected echo
    learn_echo_s: float = 0.3        # the first part of each sentence teaches the speaker→mic coupling
    speculate_after_s: float = 0.2   # silence after which transcription starts before the turn is over
                                     # (its result is used if the visitor says nothing more): -0.2 s latency
    pre_roll_s: float = 1.0          # audio kept before the detected start: soft first syllables
                                     # (いんかん...) often score low on the VAD; Whisper ignores silence


class _Echo:
    """What the kiosk is playing, to tell its own voice (through open speakers) from a visitor's.

    The speaker→microphone coupling is learned at the start of each answer, from frames where the
    kiosk is clearly audible (a ratio of sums, capped), and kept for the rest of the answer.
    """

    AUDIBLE = 0.01        # reference RMS above which a frame teaches the coupling
    MAX_COUPLING = 1.5

    def __init__(self, config: PipelineConfig):
        self._config = config
        self._lock = threading.Lock()
        self._playing: tuple[float, Audio] | None = None   # (monotonic start, audio)
        self._until = 0.0
        self._learning_until = 0.0
        self._sums = [0.0, 0.0]                             # mic, reference
        self.coupling = 0.0

    def answer_started(self) -> None:
        with self._lock:
            self._sums = [0.0, 0.0]
            self.coupling = 0.0
            self._learning_until = -1.0                     # set when the first sentence starts

    def started(self, audio: Audio) -> None:
        with self._lock:
            self._playing = (time.monotonic(), audio)
            if self._learning_until < 0:
                self._learning_until = time.monotonic() + self._config.learn_echo_s

    def finished(self) -> None:
        with self._lock:
            self._playing = None
            self._until = time.monotonic() + self._config.echo_tail_s

    @property
    def speaking(self) -> bool:
        return self._playing is not None or time.monotonic() < self._until

    def gate(self, mic_rms: float) -> bool:
        """True when this frame may be the visitor (louder than the kiosk's own echo)."""
        with self._lock:
            now = time.monotonic()
            if self._playing is None:
                return now >= self._until or mic_rms > 0.02
            started, audio = self._playing
            elapsed = now - started
            window = audio.samples[max(0, int((elapsed - 0.3) * RATE)) : int(elapsed * RATE) + 1]
            reference = float(np.sqrt(np.mean(window ** 2))) if len(window) else 0.0
            if now < self._learning_until:
                if reference > self.AUDIBLE:
                    self._sums[0] += mic_rms
                    self._sums[1] += reference
                    self.coupling = min(self.MAX_COUPLING, self._sums[0] / self._sums[1])
                return False
            return mic_rms > max(self._config.echo_margin * self.coupling * reference, 0.005)


class VoicePipeline:
    """One kiosk's voice loop. `run()` blocks in the calling thread until the source ends or `stop()`."""

    def __init__(self, source: AudioSource, sink: AudioSink, vad, stt: SpeechToText, tts: TextToSpeech,
                 answer: AnswerFn, on_event: Callable[[Event], None], config: PipelineConfig | None = None):
        self.source, self.sink, self.vad, self.stt, self.tts = source, sink, vad, stt, tts
        self.answer = answer
        self.config = config or PipelineConfig()
        self._emit = on_event
        self._generation = 0
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._playback: queue.Queue = queue.Queue()
        self._echo = _Echo(self.config)
        self._stopping = threading.Event()
        self._forget = threading.Event()       # set by forget(); the capture thread clears its audio
        self._turn_limit: int | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._outstanding = 0   # answers asked for and not finished (queued or in the worker): idle only at 0
        self._threads = [threading.Thread(target=self._work, name="voice-worker", daemon=True),
                         threading.Thread(target=self._play, name="voice-playback", daemon=True)]

    # -- control -------------------------------------------------------------------
    def start(self) -> None:
        for thread in self._threads:
            if not thread.is_alive():
                thread.start()

    def run(self, turns: int | None = None) -> None:
        """Listen until the source ends, `stop()`, or `turns` answers have been spoken."""
        self._turn_limit = turns
        self.start()
        self._emit(Ready())
        try:
            self._capture()
        finally:
            self.wait_idle()
            self.source.close()  # here, in the caller's thread: closing devices must not race with exit

    def say(self, text: str, lang: str) -> None:
        """Speak without being asked (a greeting)."""
        self._submit(_Job(self._generation, ready=AnswerReady(text, lang, tuple(split_sentences(text, lang)))))

    def _submit(self, job: _Job) -> None:
        """Queue an answer to make; the pipeline is busy until the worker has finished it."""
        with self._lock:
            self._outstanding += 1
        self._idle.clear()  # before queueing: a fast worker must not report idle first
        self._jobs.put(job)

    def interrupt(self, at_s: float = 0.0) -> None:
        """Stop speaking now and drop everything queued (barge-in, a touch on the screen, a reset)."""
        self._cancel()
        self._emit(Interrupted(at_s))

    def forget(self) -> None:
        """A new visitor: stop speaking, drop what is queued, and erase the audio heard so far
        (the rolling buffer and any half-finished question) so nothing of the last visitor stays."""
        self._forget.set()
        self.interrupt()

    def _cancel(self) -> None:
        with self._lock:
            self._generation += 1
        self.sink.stop()
        for pending in (self._jobs, self._playback):
            while True:
                try:
                    dropped = pending.get_nowait()
                except queue.Empty:
                    break
                if isinstance(dropped, _Job) and not dropped.speculative:
                    with self._lock:
                        self._outstanding -= 1
        self._playback.put((self._generation, None))  # lets the playback thread report idle

    def stop(self) -> None:
        """End `run()`: stop listening and speaking, drop what is queued."""
        self._stopping.set()
        self.source.close()
        self._cancel()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until everything asked has been answered and played."""
        return self._idle.wait(timeout)

    # -- capture thread (VAD, turns, barge-in) ----------------------------------------
    def _capture(self) -> None:
        turn = self.config.turn
        detector = TurnDetector(turn)
        history: collections.deque[np.ndarray] = collections.deque(
            maxlen=int((turn.max_utterance_s + turn.pre_roll_s + 2) / FRAME_S))
        frame_index = 0
        last_turn_end = 0  # frame number: an utterance never reaches back into the previous one
        submitted = 0
        speculated_for = -1.0
        interrupted_this_turn = False
        try:
            for frame in self.source.frames():
                if self._stopping.is_set():
                    break
                if self._forget.is_set():
                    self._forget.clear()
                    history.clear()
                    detector.drop_turn()             # a question in progress is dropped, not answered
                    last_turn_end, speculated_for, interrupted_this_turn = frame_index, -1.0, False
                history.append(frame.samples)
                frame_index += 1
                probability = self.vad.probability(frame.samples)
                speaking = self._echo.speaking or not self._idle.is_set()
                if self._echo.speaking and not self._echo.gate(frame.rms()):
                    probability = 0.0  # the kiosk's own voice through the speakers
                event = detector.feed(probability)
                now_s = frame_index * FRAME_S
                if (event is None and detector.in_turn and not detector.in_speech and not speaking
                        and now_s - detector.speech_end_s >= self.config.speculate_after_s
                        and speculated_for != detector.speech_end_s):
                    speculated_for = detector.speech_end_s
                    audio = self._utterance(history, frame_index, detector.turn_start_s, speculated_for, last_turn_end)
                    self._jobs.put(_Job(self._generation, audio, speech_end_s=speculated_for, speculative=True))
                if (speaking and not interrupted_this_turn and detector.in_speech
                        and detector.speaking_s >= self.config.barge_in_s):
                    interrupted_this_turn = True
                    self.interrupt(now_s)
                if isinstance(event, TurnStarted):
                    self._emit(SpeechStarted(event.start_s))
                    speculated_for = -1.0
                elif isinstance(event, TurnEnded):
                    if speaking and not interrupted_this_turn:
                        continue  # too short to be a barge-in while the kiosk talks: ignore it
                    interrupted_this_turn = False
                    audio = self._utterance(history, frame_index, event.start_s, event.speech_end_s, last_turn_end)
                    last_turn_end = int(event.speech_end_s / FRAME_S) + 1
                    self._emit(SpeechEnded(event.decided_s, event.speech_end_s, audio))
                    self._submit(_Job(self._generation, audio, speech_end_s=event.speech_end_s))
                    submitted += 1
                    if self._turn_limit is not None and submitted >= self._turn_limit:
                        break
        except Exception as exc:  # a device that disappears mid-session
            self._emit(StageError(ErrorCode.MIC_UNAVAILABLE, str(exc)))

    def _utterance(self, history, frame_index: int, start_s: float, speech_end_s: float, not_before: int) -> Audio:
        pre_roll = max(self.config.pre_roll_s, self.config.turn.pre_roll_s)
        first = max(not_before, int((start_s - pre_roll) / FRAME_S))
        last = int(speech_end_s / FRAME_S) + int(0.2 / FRAME_S)
        oldest = frame_index - len(history)
        frames = list(history)[max(0, first - oldest) : max(0, last - oldest)]
        return Audio(np.concatenate(frames) if frames else np.zeros(0, np.float32))

    # -- worker thread (STT → answer → TTS) ----------------------------------------------
    def _work(self) -> None:
        speculation: tuple[float, object, float] | None = None  # (speech_end_s, recognition, seconds)
        while True:
            job: _Job = self._jobs.get()
            if job.speculative:
                if job.generation == self._generation and self._jobs.empty():
                    speculation = (job.speech_end_s, *self._recognize(job.audio))
                continue
            try:
                ready = job.ready
                if ready is None:
                    early = speculation if speculation and speculation[0] == job.speech_end_s else None
                    heard = early[1:] if early else self._recognize(job.audio)
                    speculation = None
                    ready = self._understand(job.generation, job.audio, *heard)
                if ready is not None and job.generation == self._generation:
                    self._emit(ready)
                    self._echo.answer_started()
                    self._speak(job.generation, ready)
                elif ready is not None:
                    _close_more(ready)          # interrupted before it was spoken
            finally:
                with self._lock:
                    self._outstanding -= 1
                self._playback.put((job.generation, None))  # end of this answer

    def _recognize(self, audio: Audio) -> tuple[object, float]:
        """Speech-to-text and its duration; an engine failure is returned, not raised."""
        started = time.perf_counter()
        try:
            return self.stt.transcribe(audio, self.config.languages), time.perf_counter() - started
        except Exception as exc:
            return exc, time.perf_counter() - started

    def _understand(self, generation: int, audio: Audio, heard, seconds: float) -> AnswerReady | None:
        if isinstance(heard, Exception):
            self._emit(StageError(ErrorCode.STT_FAILED, str(heard)))
            return None
        reason = is_hallucination(heard, audio, None)
        if reason:
            self._emit(StageError(ErrorCode.NO_SPEECH, reason))
            return None
        self._emit(Transcript(heard.text, heard.lang, seconds))
        if generation != self._generation:
            return None
        try:
            return self.answer(heard.text, heard.lang)
        except Exception as exc:
            self._emit(StageError(ErrorCode.ANSWER_FAILED, str(exc)))
            return None

    def _speak(self, generation: int, ready: AnswerReady) -> None:
        sentences = itertools.chain(speaking_chunks(ready.sentences, ready.lang), self._more(ready))
        try:
            for index, sentence in enumerate(sentences):
                if generation != self._generation:
                    return
                try:
                    speech = self.tts.synthesize(sentence, ready.lang)
                except Exception as exc:
                    self._emit(StageError(ErrorCode.TTS_FAILED, str(exc)))
                    return
                chunk = SpeechAudio(sentence, speech.audio, tuple(speech.cues), index)
                self._emit(chunk)
                self._playback.put((generation, chunk))
        finally:
            _close_more(ready)                  # the producer of `more` learns the answer is over

    def _more(self, ready: AnswerReady):
        """The sentences still being made (AnswerReady.more); a failure there ends the answer, not the worker."""
        try:
            yield from iter(ready.more or ())
        except Exception as exc:
            self._emit(StageError(ErrorCode.ANSWER_FAILED, str(exc)))

    # -- playback thread -------------------------------------------------------------------
    def _play(self) -> None:
        interrupted = False
        while True:
            generation, chunk = self._playback.get()
            if chunk is None:  # an answer is complete
                if generation == self._generation or interrupted:
                    self._emit(PlaybackFinished(interrupted))
                interrupted = False
                if self._outstanding == 0 and self._playback.empty():
                    self._idle.set()
                continue
            if generation != self._generation:
                interrupted = True
                continue
            self._emit(PlaybackStarted(chunk.sentence, chunk.index))
            self._echo.started(chunk.audio)
            try:
                finished = self.sink.play(chunk.audio)
            except Exception as exc:
                self._emit(StageError(ErrorCode.SPEAKER_UNAVAILABLE, str(exc)))
                finished = False
            finally:
                self._echo.finished()
            if not finished:
                interrupted = True


def _close_more(ready: AnswerReady) -> None:
    """Close AnswerReady.more if it can be closed (a model stream holding a connection or a lock)."""
    close = getattr(ready.more, "close", None)
    if close is not None:
        close()
