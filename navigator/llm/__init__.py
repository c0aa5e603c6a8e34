"""The optional conversational model: a chat adapter, grounded prompts and the output guard.

Nothing here is imported unless `[llm] enabled = true`; only `openai_chat.py` imports `openai`.
The service catalog stays the single source of facts: the model only rephrases the entries
it is given, and every sentence it writes passes `output_guard` before a visitor sees it.
"""

from navigator.llm.interface import (ChatError, ChatHttpError, ChatModel, ChatProtocolError, ChatTimeout,
                                     ChatUnavailable, CheckReport, Message)

__all__ = ["ChatError", "ChatHttpError", "ChatModel", "ChatProtocolError", "ChatTimeout", "ChatUnavailable",
           "CheckReport", "Message"]
