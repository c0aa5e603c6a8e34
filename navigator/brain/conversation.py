"""One visitor's conversation: the facade the kiosk window, the voice loop and `ask` talk to.

Without a language model it is the grounded `Answerer` plus a short memory of the
visitor's turns; `reset()` forgets the visitor (the kiosk calls it on every idle reset).
With `[llm] enabled = true` a chat model (navigator/llm) rephrases the retrieved catalog
entries, answers follow-up questions about the service just discussed, asks one clarifying
question when candidates are close and returns greetings politely; it never replaces the
catalog as the source of facts (every sentence is guarded, failures fall back to the grounded
answer). Words aimed at the system and off-topic requests never reach the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from navigator.brain.answer import Answer
from navigator.brain.answerer import Answerer
from navigator.brain.guard import off_topic_cue
from navigator.brain.text import clean

if TYPE_CHECKING:
    from navigator.config import KioskConfig
    from navigator.llm.grounded import LlmTurn
    from navigator.llm.interface import ChatModel

MAX_TURNS = 6  # turns kept for follow-up questions; older ones are dropped
_GREETING = re.compile(r"^(こんにちは|こんばんは|おはよう(ございます)?|ありがとう(ございます|ございました)?|どうも|よろしく(お願いします)?"
                       r"|はじめまして|すみません|hello|hi|hey|good (morning|afternoon|evening)|thank you|thanks)"
                       r"[\s。、！!？?.,ー〜~]*$", re.IGNORECASE)
# A question about the service just discussed: what to bring, where, when, how much, who, online...
_FOLLOW_UP = re.compile(r"持ち物|持って|持参|必要|要り|いります|何が|なにが|何を|なにを|いつ|どこ|どちら|いくら|費用|手数料|料金|お金"
                        r"|時間|何時|予約|オンライン|スマホ|ネット|代理|家族|本人|期限|それ|その|これ|この|あれ|もっと|詳しく|ほかに|他に"
                        r"|\b(what|where|when|how|who|which|bring|need|cost|fee|price|online|proxy|deadline|it|that|this|more)\b",
                        re.IGNORECASE)


@dataclass
class Turn:
    question: str
    answer: Answer
    greeting: bool = False   # the model returned a greeting (tagged [hello] in the prompt's history)


@dataclass
class Conversation:
    """`ask()` answers one question in the context of the visitor's previous ones."""

    answerer: Answerer
    history: list[Turn] = field(default_factory=list)
    model: "ChatModel | None" = None     # the optional chat model ([llm] enabled = true)
    _turn: "LlmTurn | None" = field(default=None, repr=False)

    def ask(self, question: str, lang: str = "auto") -> Answer:
        if self.model is None:
            answer = self.answerer.ask(question, lang)
            self._remember(question, answer)
            return answer
        for _ in self.stream(question, lang):
            pass
        return self.last

    def stream(self, question: str, lang: str = "auto") -> Iterator[str]:
        """The answer's sentences as they become ready (each one guarded); then `last` is the whole answer."""
        if self.model is None:
            yield from self.ask(question, lang).sentences
            return
        grounded = self.answerer.ask(question, lang)
        self._turn = self._model_turn(question, grounded)
        if self._turn is None:
            self._remember(question, grounded)
            yield from grounded.sentences
            return
        turn = self._turn
        try:
            yield from turn
        finally:
            self._remember(question, turn.answer, greeting=turn.mode == "greeting" and turn.used_model)

    @property
    def draft(self) -> Answer | None:
        """The answer being streamed: its service, card and URLs are known before the first sentence ends."""
        return self._turn.answer if self._turn is not None else self.last   # no model turn: already remembered

    @property
    def last(self) -> Answer | None:
        return self.history[-1].answer if self.history else None

    def reset(self) -> None:
        """Forget everything the visitor said."""
        self.history.clear()
        self._turn = None

    def _remember(self, question: str, answer: Answer, greeting: bool = False) -> None:
        self.history.append(Turn(question, answer, greeting))
        del self.history[:-MAX_TURNS]

    # -- the LLM mode ----------------------------------------------------------------------
    def _model_turn(self, question: str, grounded: Answer) -> "LlmTurn | None":
        """The model's turn, or None when the grounded answer is the whole answer (instructions,
        off-topic requests, nothing said, and anything unrelated to the service just discussed)."""
        from navigator.llm.grounded import LlmTurn

        catalog = self.answerer.catalog
        text = clean(question)
        if grounded.outcome == "answered":
            candidates, mode = [catalog.service(i) for i in grounded.service_ids], "route"
        elif grounded.outcome != "out_of_scope" or off_topic_cue(text):
            return None
        elif _GREETING.match(text):
            candidates, mode = [], "greeting"
        elif _FOLLOW_UP.search(text) and (previous := self._previous_answered()) is not None:
            candidates, mode = [catalog.service(i) for i in previous.service_ids], "followup"
        else:
            return None
        return LlmTurn(self.model, catalog, question, grounded, candidates, mode, self._history_for_prompt())

    def _previous_answered(self) -> Answer | None:
        for turn in reversed(self.history):
            if turn.answer.outcome == "answered":
                return turn.answer
        return None

    def _history_for_prompt(self) -> list[tuple[str, str]]:
        """Earlier turns as (question, tagged reply), the form the model is asked to write."""
        def tag(turn: Turn) -> str:
            return "hello" if turn.greeting else turn.answer.service_ids[0] if turn.answer.service_ids else "none"

        return [(t.question, f"[{tag(t)}]\n{t.answer.text}") for t in self.history]


def build_conversation(config: "KioskConfig", answerer: Answerer) -> Conversation:
    """The conversation the config asks for (catalog only unless [llm] enabled = true)."""
    if not config.llm.enabled:
        return Conversation(answerer)
    from navigator.llm.openai_chat import OpenAIChat

    return Conversation(answerer, model=OpenAIChat(config.llm))
