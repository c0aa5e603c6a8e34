"""The chat-model interface (an engine behind a Protocol) and its errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Literal, Protocol, TypedDict


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatError(Exception):
    """The model could not answer in time or in a usable form; the caller answers from the catalog."""

    retryable = True


class ChatTimeout(ChatError):
    """No complete reply before the deadline (`[llm] timeout_s`)."""

    retryable = False  # the deadline is spent


class ChatUnavailable(ChatError):
    """The endpoint cannot be reached (refused, DNS, TLS, connection reset)."""


class ChatHttpError(ChatError):
    """The endpoint answered with an HTTP error."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.retryable = status == 429 or status >= 500


class ChatProtocolError(ChatError):
    """The reply was not a chat-completions stream (garbage, wrong server, cut off)."""


@dataclass(frozen=True)
class CheckReport:
    """`navigator llm check`: can this kiosk reach its model, and how fast does it answer?"""

    ok: bool
    provider: str
    endpoint: str
    model: str
    key_env: str
    key_set: bool                       # whether the variable is set (never its value)
    first_token_s: float | None = None
    total_s: float | None = None
    reply: str = ""
    error: str = ""

    def to_json(self) -> dict:
        return asdict(self)


class ChatModel(Protocol):
    """A streaming chat model. `stream` raises ChatError (never hangs past its deadline)."""

    def stream(self, messages: list[Message], deadline: float | None = None) -> Iterator[str]:
        """The reply's text pieces as they arrive; `deadline` is a time.monotonic() value."""
        ...

    def check(self) -> CheckReport:
        """Send a tiny request and report reachability and timing."""
        ...
