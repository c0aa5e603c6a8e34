"""Speech-to-text with faster-whisper (CTranslate2), on the CPU. The only module that imports faster_whisper.

One short utterance at a time (the pipeline has already cut the turn out with its VAD), so
faster-whisper's own VAD is off, the text is not conditioned on earlier windows, and no
timestamps are decoded. An ``initial_prompt`` of the city's terms steers Whisper to write 住民票,
保育園, 国民健康保険 the way the city does (DESIGN: CER 17% → 6%).
"""

from __future__ import annotations

import math
import os
import threading
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# CTranslate2's OpenMP threads spin while waiting; on a 2-core kiosk the audio threads preempt
# them and a 3 s question took ~0.69 s instead of ~0.55 s live. Passive waiting fixes that
# (read when the library loads, so before the import below; a technician's setting wins).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from faster_whisper import WhisperModel  # noqa: E402
from faster_whisper.transcribe import Segment  # noqa: E402

from voice.audio import RATE, Audio
from voice.hallucination import is_prompt_echo
from voice.interfaces import Recognition
from voice.whisper_model import SttModelError

WINDOW_FRAMES = 3000            # Whisper's 30 s window in 10 ms mel frames
FRAMES_PER_SECOND = 100
SHORT_MAX_S = 25.0              # utterances up to this long take the short-window path
SHORT_MARGIN_S = 3.0            # silence encoded after the speech: with 2 s, 1 of 10 questions was misheard
MAX_PROMPT_TOKENS = 223         # Whisper's limit for previous-text tokens
TOKENS_PER_SECOND = 15          # decoding stops here: bounds repetition loops and time
MAX_TOKENS = 224
WHISPER_MAX_LENGTH = 448        # Whisper's decoder context, prompt included
NO_REPEAT_NGRAM = 5             # a question never repeats 5 tokens; Whisper's loops ("…証明書 …証明書") do


def default_threads() -> int:
    """CPU threads for CTranslate2: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class WhisperStt:
    """SpeechToText with a Whisper model folder (CTranslate2 format), loaded once; one transcription at a time.

    `initial_prompt` and `beam_size` are plain attributes the caller may change between calls. The
    prompt is used only when decoding one of `prompt_languages` (the city's terms are Japanese: given
    to English decoding, Whisper copies them on noise).
    `temperatures` is Whisper's fallback schedule: the default (0.0,) never re-decodes, because on
    noise each fallback costs a full decode (measured here: 1 s greedy vs 5-14 s with Whisper's
    default (0.0, 0.2, ... 1.0) schedule); loops are caught by the hallucination filter instead.
    `short_window` (default) decodes utterances with CTranslate2 directly on a window of their own
    length (see `_transcribe_short`); False uses faster-whisper's `transcribe` on 30 s windows.
    Language detection, when several languages are allowed, runs the encoder on the first
    `detect_context_s` seconds (at least the utterance) instead of a full 30 s window: ~0.2 s instead
    of ~0.9 s on 2 cores, with the same choice between ja and en in our tests; 30 gives Whisper's own.
    """

    def __init__(self, model_path: Path | str, *, threads: int | None = None, compute_type: str = "int8",
                 beam_size: int = 5, initial_prompt: str | None = None, prompt_languages: Sequence[str] = ("ja",),
                 temperatures: Sequence[float] = (0.0,), detect_context_s: float = 10.0,
                 short_window: bool = True) -> None:
        started = time.perf_counter()
        try:
            self._model = WhisperModel(str(model_path), device="cpu", compute_type=compute_type,
                                       cpu_threads=threads or default_threads(), num_workers=1)
        except (RuntimeError, ValueError, OSError) as exc:
            raise SttModelError(f"cannot load the speech-recognition model from {model_path}: {exc}") from None
        self.load_seconds: float = time.perf_counter() - started
        self.model_path = Path(model_path)
        self.initial_prompt: str | None = initial_prompt or None
        self.prompt_languages: tuple[str, ...] = tuple(prompt_languages)
        self.beam_size: int = beam_size
        self.temperatures: tuple[float, ...] = tuple(temperatures) or (0.0,)
        self.detect_context_s: float = detect_context_s
        self.short_window: bool = short_window
        self.supported_languages: frozenset[str] = frozenset(self._model.supported_languages)
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Transcribe 1 s of low noise, through language detection too, so the first visitor does not wait."""
        noise = np.random.default_rng(0).normal(0.0, 0.003, RATE).astype(np.float32)
        languages = tuple(lang for lang in ("ja", "en") if lang in self.supported_languages)
        self.transcribe(Audio(noise), languages or (sorted(self.supported_languages)[0],))

    def transcribe(self, audio: Audio, languages: tuple[str, ...]) -> Recognition:
        """The words in `audio`, in the most likely of `languages` (all of Whisper's when empty).

        With a single language no detection is done. Blocks until decoding is finished.
        """
        unknown = [lang for lang in languages if lang not in self.supported_languages]
        if unknown:
            raise ValueError(f"Whisper does not know the language(s) {', '.join(unknown)}; "
                             f"use codes such as 'ja', 'en', 'zh', 'ko'")
        samples = np.ascontiguousarray(audio.resampled(RATE).samples, dtype=np.float32)
        with self._lock:
            if samples.size == 0:
                return Recognition("", languages[0] if languages else "", no_speech_prob=1.0)
            if self.short_window and len(samples) / RATE <= SHORT_MAX_S:
                try:
                    return self._transcribe_short(samples, languages)
                except (AttributeError, ImportError, TypeError):
                    pass  # another faster-whisper layout: the full-window path below still works
            if len(languages) == 1:
                lang = languages[0]
            else:
                probs = self.language_probabilities(samples)
                candidates = languages or tuple(probs)
                lang = max(candidates, key=lambda code: probs.get(code, 0.0))
            prompt = self.initial_prompt if lang in self.prompt_languages else None
            segments, _info = self._model.transcribe(
                samples,
                language=lang,
                task="transcribe",
                beam_size=self.beam_size,
                temperature=list(self.temperatures),
                initial_prompt=prompt or None,
                condition_on_previous_text=False,
                vad_filter=False,
                without_timestamps=True,
                no_speech_threshold=None,  # keep every window and its scores; voice.hallucination decides
            )
            decoded = list(segments)  # the generator is lazy: all the work happens here, under the lock
        return self._aggregate(decoded, lang, prompt)

    def _transcribe_short(self, samples: np.ndarray, languages: tuple[str, ...]) -> Recognition:
        """A short utterance through CTranslate2 directly, encoding only its length plus a margin.

        faster-whisper's `transcribe` pads every clip to Whisper's 30 s window, so a 3 s question
        costs ~1 s of encoding on 2 cores; encoding 5 s costs ~0.1 s. One encoder pass serves both
        language detection and decoding. Measured here on 8 spoken questions: 1.35 s → 0.5 s median,
        transcripts as good or better (caller holds the lock).
        """
        import ctranslate2
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        seconds = len(samples) / RATE
        frames = min(WINDOW_FRAMES, math.ceil(seconds + SHORT_MARGIN_S) * FRAMES_PER_SECOND)
        features = model.feature_extractor(samples)
        window = np.ascontiguousarray(pad_or_trim(features, frames)[None], dtype=np.float32)
        encoded = model.model.encode(ctranslate2.StorageView.from_array(window), to_cpu=False)
        if len(languages) == 1:
            lang = languages[0]
        else:
            probs = {token[2:-2]: float(p) for token, p in model.model.detect_language(encoded)[0]}
            lang = max(languages or tuple(probs), key=lambda code: probs.get(code, 0.0))
        tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=lang)
        prompt = self.initial_prompt if lang in self.prompt_languages else None
        previous = tokenizer.encode(" " + prompt.strip())[-(MAX_PROMPT_TOKENS):] if prompt else []
        sequence = ([tokenizer.sot_prev, *previous] if previous else []) + [*tokenizer.sot_sequence,
                                                                              tokenizer.no_timestamps]
        result = model.model.generate(
            encoded, [sequence], beam_size=self.beam_size, return_scores=True, return_no_speech_prob=True,
            # max_length counts the prompt too; the rest bounds repetition loops and decoding time
            max_length=min(WHISPER_MAX_LENGTH, len(sequence) + min(MAX_TOKENS, int(TOKENS_PER_SECOND * seconds) + 16)),
            suppress_blank=True,
            no_repeat_ngram_size=NO_REPEAT_NGRAM,
        )[0]
        if not result.sequences_ids or not result.scores:
            return Recognition("", lang, no_speech_prob=1.0)
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        text = tokenizer.decode(tokens).strip()
        no_speech_prob = float(result.no_speech_prob)
        if not text:
            return Recognition("", lang, no_speech_prob=max(no_speech_prob, 1.0 if not tokens else 0.0))
        if is_prompt_echo(text, prompt, no_speech_prob):
            text = ""  # Whisper copied its prompt: nothing was said
        joined = text.encode("utf-8")
        ratio = len(joined) / len(zlib.compress(joined)) if joined else 0.0
        return Recognition(text=text, lang=lang, no_speech_prob=no_speech_prob,
                           avg_logprob=float(result.scores[0]), compression_ratio=float(ratio))

    def language_probabilities(self, samples: np.ndarray) -> dict[str, float]:
        """Whisper's language probabilities for the start of 16 kHz `samples` (caller holds the lock)."""
        model = self._model
        if self.detect_context_s < WINDOW_FRAMES / FRAMES_PER_SECOND:
            try:
                import ctranslate2
                from faster_whisper.audio import pad_or_trim

                seconds = min(len(samples) / RATE, WINDOW_FRAMES / FRAMES_PER_SECOND)
                frames = min(WINDOW_FRAMES, max(int(self.detect_context_s * FRAMES_PER_SECOND),
                                                math.ceil(seconds) * FRAMES_PER_SECOND))
                features = model.feature_extractor(samples[: frames * RATE // FRAMES_PER_SECOND])
                window = np.ascontiguousarray(pad_or_trim(features, frames)[None], dtype=np.float32)
                encoded = model.model.encode(ctranslate2.StorageView.from_array(window), to_cpu=False)
                return {token[2:-2]: float(p) for token, p in model.model.detect_language(encoded)[0]}
            except (AttributeError, ImportError, TypeError):
                pass  # another faster-whisper layout: use its public (full-window) detection
        _lang, _prob, all_probs = model.detect_language(audio=samples)
        return {code: float(p) for code, p in all_probs}

    @staticmethod
    def _aggregate(segments: list[Segment], lang: str, prompt: str | None) -> Recognition:
        """One Recognition over the decoded windows (usually one: utterances are shorter than 30 s)."""
        text = "".join(segment.text for segment in segments).strip()
        if not segments or not text:
            return Recognition("", lang, no_speech_prob=1.0)
        no_speech_prob = float(min(segment.no_speech_prob for segment in segments))
        if is_prompt_echo(text, prompt, no_speech_prob):
            text = ""  # Whisper copied its prompt: nothing was said
        tokens = [max(1, len(segment.tokens)) for segment in segments]
        avg_logprob = sum(s.avg_logprob * n for s, n in zip(segments, tokens)) / sum(tokens)
        joined = text.encode("utf-8")
        ratio = len(joined) / len(zlib.compress(joined)) if joined else 0.0
        return Recognition(
            text=text,
            lang=lang,
            no_speech_prob=no_speech_prob,
            avg_logprob=float(avg_logprob),
            compression_ratio=float(max([ratio, *(segment.compression_ratio for segment in segments)])),
        )
