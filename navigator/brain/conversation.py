"""One visitor's conversation: the facade the kiosk window, the voice loop and `ask` talk to.

Without a language model it is the grounded `Answerer` plus a short memory of the
visitor's turns; `reset()` forgets the visitor (the kiosk calls it on every idle reset).
The LLM mode (navigator/llm) plugs in here and never replaces the catalog as the source
of facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from navigator.brain.answer import Answer
from navigator.brain.answerer import Answerer

if TYPE_CHECKING:
    from navigator.config import KioskConfig

MAX_TURNS = 6  # turns kept for follow-up questions; older ones are dropped


@dataclass
class Turn:
    question: str
    answer: Answer


@dataclass
class Conversation:
    """`ask()` answers one question in the context of the visitor's previous ones."""

    answerer: Answerer
    history: list[Turn] = field(default_factory=list)

    def ask(self, question: str, lang: str = "auto") -> Answer:
        answer = self.answerer.ask(question, lang)
        self._remember(question, answer)
        return answer

    def stream(self, question: str, lang: str = "auto") -> Iterator[str]:
        """The answer's sentences as they become ready (all at once without a model); then `last`."""
        yield from self.ask(question, lang).sentences

    @property
    def last(self) -> Answer | None:
        return self.history[-1].answer if self.history else None

    def reset(self) -> None:
        """Forget everything the visitor said."""
        self.history.clear()

    def _remember(self, question: str, answer: Answer) -> None:
        self.history.append(Turn(question, answer))
        del self.history[:-MAX_TURNS]


def build_conversation(config: "KioskConfig", answerer: Answerer) -> Conversation:
    """The conversation the config asks for (catalog only unless [llm] enabled = true)."""
    return Conversation(answerer)
