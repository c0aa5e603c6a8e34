"""The chat adapter on the `openai` client (OpenAI, Azure OpenAI, vLLM, llama.cpp's server...).

The only module that imports `openai`. A hard deadline covers connect, first token and the
whole stream: the request runs in a worker thread and the caller waits on a queue with the
time left, so a server that hangs or trickles bytes never holds the visitor past `timeout_s`.
One retry, for transient failures only (connection, HTTP 429/5xx, a malformed stream), and
only when no text was delivered yet and enough time remains. The API key is read from the
environment variable named in the config and never printed or logged.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Mapping

import openai

from navigator.config import LlmSection
from navigator.llm.interface import (ChatError, ChatHttpError, ChatProtocolError, ChatTimeout, ChatUnavailable,
                                     CheckReport, Message)

log = logging.getLogger("navigator.llm")

RETRIES = 1                 # one retry, for transient failures
MIN_RETRY_S = 1.0           # ... and only when this much time is left
CONNECT_S = 3.0             # connect timeout (capped by the deadline)
MAX_TOKENS = 320            # a kiosk answer is 2-4 short sentences
TEMPERATURE = 0.2
DEFAULT_AZURE_VERSION = "2024-10-21"
NO_KEY = "not-set"          # sent when the variable is unset (local servers need no key)


class OpenAIChat:
    """`ChatModel` over the chat-completions API, streaming."""

    def __init__(self, settings: LlmSection, environ: Mapping[str, str] = os.environ, http_client=None):
        self.settings = settings
        key = environ.get(settings.api_key_env, "")
        self.key_set = bool(key)
        self._secret = key
        if not key:
            log.warning("llm: environment variable %s is not set; calling %s without an API key",
                        settings.api_key_env, settings.base_url)
        timeout = openai.Timeout(settings.timeout_s, connect=min(CONNECT_S, settings.timeout_s))
        common = dict(api_key=key or NO_KEY, timeout=timeout, max_retries=0, http_client=http_client)
        if settings.provider == "azure":
            self.client = openai.AzureOpenAI(azure_endpoint=settings.base_url, azure_deployment=settings.model,
                                             api_version=settings.api_version or DEFAULT_AZURE_VERSION, **common)
        else:
            self.client = openai.OpenAI(base_url=settings.base_url, **common)

    # -- ChatModel ------------------------------------------------------------------
    def stream(self, messages: list[Message], deadline: float | None = None) -> Iterator[str]:
        deadline = deadline if deadline is not None else time.monotonic() + self.settings.timeout_s
        attempt = 0
        while True:
            attempt += 1
            delivered = False
            try:
                for piece in self._attempt(messages, deadline):
                    delivered = True
                    yield piece
                return
            except ChatError as exc:
                left = deadline - time.monotonic()
                if delivered or not exc.retryable or attempt > RETRIES or left < MIN_RETRY_S:
                    raise
                log.info("llm: %s; retrying (%.1f s left)", exc, left)

    def check(self) -> CheckReport:
        started = time.monotonic()
        first: float | None = None
        reply = ""
        error = ""
        try:
            for piece in self.stream([{"role": "user", "content": "Reply with the single word OK."}]):
                first = first if first is not None else time.monotonic() - started
                reply += piece
            if not reply.strip():
                error = "the model answered with no text"
        except ChatError as exc:
            error = str(exc)
        total = time.monotonic() - started
        return CheckReport(ok=not error, provider=self.settings.provider, endpoint=self.settings.base_url,
                           model=self.settings.model, key_env=self.settings.api_key_env, key_set=self.key_set,
                           first_token_s=round(first, 3) if first is not None else None,
                           total_s=round(total, 3), reply=reply.strip()[:60], error=error)

    # -- one request ------------------------------------------------------------------
    def _attempt(self, messages: list[Message], deadline: float) -> Iterator[str]:
        pieces: queue.Queue = queue.Queue()
        cancelled = threading.Event()
        opened: list = []

        def work() -> None:
            try:
                response = self.client.chat.completions.create(
                    model=self.settings.model, messages=messages, stream=True, max_tokens=MAX_TOKENS,
                    temperature=TEMPERATURE, timeout=max(0.1, deadline - time.monotonic()))
                opened.append(response)
                for chunk in response:
                    if cancelled.is_set():
                        return
                    if time.monotonic() > deadline:  # text that arrives later is not used
                        pieces.put(("error", TimeoutError("deadline")))
                        return
                    for choice in getattr(chunk, "choices", None) or []:  # Azure sends filter-only chunks
                        text = choice.delta.content if choice.delta else None
                        if text:
                            pieces.put(("text", text))
                pieces.put(("end", None))
            except Exception as exc:  # handed to the caller's thread, classified there
                pieces.put(("error", exc))
            finally:
                _close(opened)

        threading.Thread(target=work, name="llm-stream", daemon=True).start()
        try:
            while True:
                try:  # what arrived in time is delivered even when the caller reads it late
                    kind, value = pieces.get_nowait()
                except queue.Empty:
                    try:
                        kind, value = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        raise ChatTimeout(f"no complete reply within {self.settings.timeout_s:g} s") from None
                if kind == "text":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise self._classify(value)
        finally:
            cancelled.set()
            _close(opened)

    def _classify(self, exc: Exception) -> ChatError:
        """An openai/httpx exception as a ChatError with a technician's message (never the key)."""
        where = self.settings.base_url
        if isinstance(exc, (openai.APITimeoutError, TimeoutError)):
            error: ChatError = ChatTimeout(f"{where}: timed out")
        elif isinstance(exc, openai.APIConnectionError):
            error = ChatUnavailable(f"{where}: cannot connect ({_cause(exc)})")
        elif isinstance(exc, openai.APIStatusError):
            hint = {401: f"check the API key in ${self.settings.api_key_env}",
                    403: f"check the API key in ${self.settings.api_key_env}",
                    404: "check base_url and model (the Azure deployment name)"}.get(exc.status_code, "")
            error = ChatHttpError(exc.status_code, f"{where}: HTTP {exc.status_code}" + (f": {hint}" if hint else ""))
        else:
            error = ChatProtocolError(f"{where}: not a chat-completions stream ({type(exc).__name__})")
        return self._redacted(error)

    def _redacted(self, error: ChatError) -> ChatError:
        if self._secret and self._secret in str(error):
            error.args = (str(error).replace(self._secret, "***"),)
        return error


def _cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__


def _close(opened: list) -> None:
    for response in opened:
        try:
            response.close()
        except Exception:  # closing a half-read response from another thread may complain
            pass
