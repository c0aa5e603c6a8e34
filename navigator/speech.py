"""Composition of the voice loop for the navigator: engines from the config, answers from the catalog.

This is where `voice` (the standalone voice library) meets `navigator.brain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from navigator.brain.answer import Answer
from navigator.brain.answerer import Answerer
from navigator.brain.conversation import Conversation, build_conversation
from navigator.catalog import Catalog
from navigator.config import KioskConfig
from voice.events import AnswerReady

PROMPT_CHARS = 200  # Whisper's prompt window is 223 tokens; stay inside it


def stt_prompt(catalog: Catalog) -> str:
    """City terms for Whisper's `initial_prompt` (DESIGN: CER 17% → 6% with such a prompt).

    Every service's core term first (住民票, 粗大ごみ, 印鑑登録...: the first part of its name,
    up to its first の), then more of the names while room remains, so that no service's
    words crowd out another's.
    """
    core: list[str] = ["町田市役所"]
    more: list[str] = []
    for service in catalog.services.values():
        parts = [p for p in re.split(r"[・（）()、]", service.name.ja) if p]
        head = parts[0].split("の")[0] if len(parts[0].split("の")[0]) >= 2 else parts[0]
        core.append(head)
        more.extend(p for p in parts if p != head and 2 <= len(p) <= 10)
    prompt = ""
    for term in dict.fromkeys(core + more):
        if len(prompt) + len(term) + 1 > PROMPT_CHARS:
            break
        prompt += term + "、"
    return prompt.rstrip("、") + "。"


def pipeline_config(config: KioskConfig) -> "PipelineConfig":
    """The voice loop's settings from [listening] and [language]."""
    from voice.pipeline import PipelineConfig
    from voice.turns import TurnConfig

    listening = config.listening
    turn = TurnConfig(end_silence_s=listening.end_silence_s, min_speech_s=listening.min_speech_s,
                      max_utterance_s=listening.max_utterance_s)
    return PipelineConfig(languages=languages_for_stt(config), turn=turn, barge_in_s=listening.barge_in_s)


def languages_for_stt(config: KioskConfig) -> tuple[str, ...]:
    """Whisper languages from the offered ones (やさしい日本語 is Japanese to the ear)."""
    return tuple(dict.fromkeys("ja" if lang == "easy_ja" else lang for lang in config.language.offered))


@dataclass
class CatalogAnswer:
    """The pipeline's answer callable: a transcript → the grounded answer to speak.

    With a `conversation` whose chat model is on ([llm] enabled = true), the answer streams: the
    call returns as soon as the first guarded sentence is ready (AnswerReady.sentences), and the
    rest follow through AnswerReady.more while the first is being spoken. `payload` is the answer
    as known then (service, card, URLs); `conversation.last` is the whole answer once spoken.
    """

    answerer: Answerer
    prefer_easy_japanese: bool = False
    conversation: Conversation | None = None

    @classmethod
    def from_config(cls, config: KioskConfig, answerer: Answerer) -> "CatalogAnswer":
        """The answer callable the config asks for: through a Conversation when [llm] is enabled."""
        return cls(answerer, conversation=build_conversation(config, answerer) if config.llm.enabled else None)

    def __call__(self, text: str, lang: str) -> AnswerReady:
        target = "en" if lang == "en" else ("easy_ja" if self.prefer_easy_japanese else "ja")
        if self.conversation is not None and self.conversation.model is not None:
            return streamed_answer(self.conversation, text, target)
        ask = self.conversation.ask if self.conversation else self.answerer.ask
        return answer_ready(ask(text, target))


def answer_ready(answer: Answer) -> AnswerReady:
    """The voice loop's event for a whole answer."""
    return AnswerReady(text=answer.text, lang=answer.lang, sentences=tuple(answer.sentences),
                       service_ids=tuple(answer.service_ids), urls=tuple(answer.urls), payload=answer)


def streamed_answer(conversation: Conversation, text: str, lang: str) -> AnswerReady:
    """The voice loop's answer from a conversation with a chat model, returned as soon as the first
    guarded sentence is ready: `sentences` holds it, `more` yields the rest as the model writes them
    (the voice loop speaks them in turn). `payload` is the answer as known then (service, card, URLs);
    `conversation.last` is the whole answer once `more` is exhausted.
    """
    sentences = conversation.stream(text, lang)
    first = next(sentences, None)
    return replace(answer_ready(conversation.draft), sentences=(first,) if first else (), more=sentences)


@dataclass
class Engines:
    """The loaded voice engines, built once and shared by every turn."""

    vad_factory: object
    stt: object
    tts: object


def build_engines(config: KioskConfig, catalog: Catalog) -> Engines:
    """Load VAD, Whisper and the TTS voices named in the config; raise UserError with the fix if one is missing."""
    from navigator.errors import UserError
    from voice.vad import SileroVad, VadModelMissing
    from voice.whisper_model import SttModelError, default_cache_dir, resolve_model

    if config.stt.engine == "none":
        raise UserError(f"{config.source}: [stt] engine = \"none\": speech input is switched off")
    try:
        model_path = resolve_model(config.stt.model, default_cache_dir())
        SileroVad()  # fail early when the VAD model is missing
    except (SttModelError, VadModelMissing) as exc:
        raise UserError(str(exc)) from None
    from voice.stt_whisper import WhisperStt

    try:
        stt = WhisperStt(model_path, threads=config.stt.threads, compute_type=config.stt.compute_type,
                         beam_size=config.stt.beam_size, initial_prompt=stt_prompt(catalog))
    except SttModelError as exc:  # a corrupt or truncated model.bin
        raise UserError(f"{exc} ({Path(model_path) / 'model.bin'}); replace the model folder or set [stt] "
                        f"model = \"base\" in {config.source}; `navigator doctor` checks it") from None
    return Engines(vad_factory=SileroVad, stt=stt, tts=build_tts(config))


def build_tts(config: KioskConfig) -> "SpeechRouter":
    """The voices named in [tts] (OpenJTalk for Japanese, pyttsx3 for the rest), behind one router."""
    from voice.tts import SpeechRouter

    japanese = other = None
    if config.tts.japanese == "openjtalk":
        from voice.tts_openjtalk import OpenJTalkTts

        japanese = OpenJTalkTts(speed=config.tts.speed, volume=config.audio.volume)
    if config.tts.other == "pyttsx3" or config.tts.japanese == "pyttsx3":
        from voice.tts_pyttsx3 import Pyttsx3Tts

        other = Pyttsx3Tts(speed=config.tts.speed, volume=config.audio.volume)
        if config.tts.japanese == "pyttsx3":
            japanese = other
    return SpeechRouter(japanese=japanese, other=other)


def warm_up(engines: Engines, languages: tuple[str, ...]) -> None:
    """Load everything the first visitor would otherwise wait for."""
    engines.stt.warm_up()
    warm_up_voices(engines.tts, languages)


def warm_up_voices(tts, languages: tuple[str, ...]) -> None:
    """Load the voices of `languages` now, not when the first visitor waits."""
    for lang in languages:
        if tts.supports(lang):
            tts.synthesize("はい。" if lang == "ja" else "Yes.", lang)
