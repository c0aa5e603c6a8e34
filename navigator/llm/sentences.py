"""Streamed model text → a routing tag, then whole sentences as soon as each one ends.

The first sentence can go to the guard and to speech while the model is still writing the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_TAG = re.compile(r"^\s*[\[［【]\s*([^\]］】\n]{1,60}?)\s*[\]］】]")
_ENDERS = "。！？!?"
_TRAILERS = "」』）)】\"'”’"
_MARKDOWN = re.compile(r"\*\*|__|`+|^#+\s*|^\s*(?:[-*•・]|\d+[.)])\s+|\[[a-z0-9?-]{1,40}\]", re.MULTILINE)
MAX_TAG_WAIT = 64          # characters to read before deciding there is no tag
MAX_SENTENCE = 200         # text this long without a sentence end is handed on as it is (the guard rejects it)


def clean(sentence: str) -> str:
    """A sentence as it is shown and spoken: no markdown marks, single spaces."""
    return re.sub(r"\s+", " ", _MARKDOWN.sub("", sentence)).strip()


class SentenceSplitter:
    """Feed text pieces; get back each sentence once its end has arrived."""

    def __init__(self, max_chars: int = MAX_SENTENCE) -> None:
        self._buffer = ""
        self._max_chars = max_chars

    def feed(self, piece: str) -> list[str]:
        self._buffer += piece
        done: list[str] = []
        while True:
            end = self._end(self._buffer)
            if end is None and len(self._buffer) > self._max_chars:  # rambling: no need to wait for its end
                end = len(self._buffer)
            if end is None:
                return done
            sentence, self._buffer = self._buffer[:end], self._buffer[end:]
            if _has_words(sentence):
                done.append(clean(sentence))
            elif done:  # a stray closing bracket that arrived late
                done[-1] += sentence.strip()

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        return [clean(rest)] if _has_words(rest) else []

    @staticmethod
    def _end(text: str) -> int | None:
        for i, char in enumerate(text):
            if char == "\n":
                return i + 1
            if char in _ENDERS or char == ".":
                j = i + 1
                while j < len(text) and text[j] in _TRAILERS:
                    j += 1
                if char == ".":  # "3.5", "e.g.": only before a space or a line end
                    if j >= len(text) or not text[j].isspace() or _abbreviation(text[:i]):
                        continue
                return j
        return None


def _abbreviation(before: str) -> bool:
    word = before.rsplit(None, 1)[-1] if before.split() else ""
    return word.lower() in {"e.g", "i.e", "mr", "ms", "mrs", "dr", "no", "approx", "etc"} or (len(word) == 1 and word.isalpha())


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class ModelReply:
    """A streamed reply: `tag` (read first, None when the model wrote none), then `sentences()`."""

    def __init__(self, pieces: Iterable[str]):
        self._pieces: Iterator[str] = iter(pieces)
        self._head = ""
        self.tag: str | None = None
        self._read_tag()

    def _read_tag(self) -> None:
        for piece in self._pieces:
            self._head += piece
            stripped = self._head.lstrip()
            if not stripped:
                continue
            if stripped[0] not in "[［【":
                return
            match = _TAG.match(self._head)
            if match:
                self.tag = match.group(1).strip().lower()
                self._head = self._head[match.end() :]
                return
            if len(stripped) > MAX_TAG_WAIT or "\n" in stripped:
                return

    def sentences(self) -> Iterator[str]:
        splitter = SentenceSplitter()
        yield from splitter.feed(self._head)
        for piece in self._pieces:
            yield from splitter.feed(piece)
        yield from splitter.flush()

    def close(self) -> None:
        """Stop reading (the model's stream is closed and its request cancelled)."""
        close = getattr(self._pieces, "close", None)
        if close:
            close()
