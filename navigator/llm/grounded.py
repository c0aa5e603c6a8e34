"""One visitor turn answered by the model from catalog entries, guarded sentence by sentence.

The routed services always come from retrieval: the model's tag may pick one of the
candidates, never add one. Every sentence passes `OutputGuard` before it is yielded. When the
first sentence fails the guard, or the model fails (unreachable, timeout, HTTP error, garbage),
the grounded template answer is yielded at once and a line is logged for technicians; the
visitor sees no error. Once the model's first sentence was spoken, a later sentence that fails
the guard is dropped (the others are kept).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Literal

from navigator.brain.answer import Answer, compose
from navigator.catalog import Catalog, Service
from navigator.llm.interface import ChatError, ChatModel
from navigator.llm.output_guard import OutputGuard, echoes
from navigator.llm.prompt import INSTRUCTIONS, build_grounding
from navigator.llm.sentences import ModelReply

log = logging.getLogger("navigator.llm")

Mode = Literal["route", "followup", "greeting"]
MAX_SENTENCES = {"route": 4, "followup": 3, "greeting": 2, "clarify": 1}
MAX_SENTENCE_CHARS = 160
_PROMPT_WORDS = ("ENTRIES", "[general]", "system prompt", "システムプロンプト", "Rules:")


class LlmTurn:
    """Iterate for the guarded sentences; `answer` is the turn's Answer so far (final once exhausted)."""

    def __init__(self, model: ChatModel, catalog: Catalog, question: str, fallback: Answer,
                 candidates: Sequence[Service], mode: Mode, history: Sequence[tuple[str, str]] = ()):
        self.model, self.catalog, self.question = model, catalog, question
        self.fallback = fallback
        self.candidates = list(candidates)
        self.mode = mode
        self.history = list(history)
        self.answer: Answer = replace(fallback, sentences=[])
        self.used_model = False  # True when the visitor got the model's words

    def __iter__(self) -> Iterator[str]:
        lang = self.fallback.lang
        grounding = build_grounding(self.question, lang, self.candidates, self.catalog, self.history)
        guard = OutputGuard(grounding.facts + "\n" + self.fallback.text, self.question)
        spoken: list[str] = []
        reply: ModelReply | None = None
        try:
            reply = ModelReply(self.model.stream(grounding.messages))
            draft, limit = self._route(reply.tag)
            if draft is not None:
                for sentence in reply.sentences():
                    problems = self._problems(guard, sentence, lang)
                    if problems:
                        log.info("llm: guard removed a sentence (%s)%s", ", ".join(problems),
                                 "" if spoken else "; answered from the catalog")
                        if not spoken:
                            break  # a wrong start: the grounded answer now, not after the model's last word
                        continue
                    spoken.append(sentence)
                    self.answer = replace(draft, sentences=list(spoken))
                    self.used_model = True
                    yield sentence
                    if len(spoken) >= limit:
                        break
            elif reply.tag:
                log.info("llm: the model tagged the question [%s]; answering from the catalog", reply.tag)
        except ChatError as exc:
            log.warning("llm: %s; answered from the catalog", exc)
        except Exception as exc:  # a bug must not reach the visitor either
            log.warning("llm: unexpected %s: %s; answered from the catalog", type(exc).__name__, exc)
        finally:
            if reply is not None:
                reply.close()
        if not spoken:
            self.answer = self.fallback
            yield from self.fallback.sentences

    def _route(self, tag: str | None) -> tuple[Answer | None, int]:
        """The answer the model's sentences belong to (service and card), and how many may be said."""
        by_id = {s.id: s for s in self.candidates}
        if self.mode == "greeting":
            return (self.fallback, MAX_SENTENCES["greeting"]) if tag == "hello" else (None, 0)
        if tag == "?" and len(self.candidates) > 1:
            return self._about(self.candidates[0]), MAX_SENTENCES["clarify"]
        if tag in by_id:
            return self._about(by_id[tag]), MAX_SENTENCES[self.mode]
        if tag in ("none", "hello", "?"):
            return None, 0
        return self._about(self.candidates[0]), MAX_SENTENCES[self.mode]  # no tag: retrieval's choice

    def _about(self, service: Service) -> Answer:
        """The grounded answer for `service` (the card, URLs and routed IDs), chosen among the candidates."""
        others = [s for s in self.candidates if s.id != service.id]
        return compose(service, self.catalog, self.fallback.lang, self.question, alternatives=others)

    @staticmethod
    def _problems(guard: OutputGuard, sentence: str, lang: str) -> list[str]:
        problems = guard.problems(sentence, lang)
        if len(sentence) > MAX_SENTENCE_CHARS:
            problems.append("too long")
        if any(word.lower() in sentence.lower() for word in _PROMPT_WORDS) or echoes(sentence, INSTRUCTIONS):
            problems.append("prompt text")
        return problems
