"""`navigator ask` (one question, or JSON lines from stdin) and `navigator chat` (terminal conversation).

With `[llm] enabled = true` both go through the Conversation (the chat model, guarded, with the
catalog answer as fallback); `ask` treats every question as a new visitor. Without it they call
the grounded Answerer directly, exactly as before (and `openai` is never imported).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from navigator.brain.answer import Answer
from navigator.brain.answerer import Answerer
from navigator.config import load_config
from navigator.errors import UserError

if TYPE_CHECKING:
    from navigator.brain.conversation import Conversation


def build_answerer(config_path: str | None) -> Answerer:
    config = load_config(config_path)
    return Answerer.from_folder(config.catalog_dir, config.language.default)


def build_answering(config_path: str | None) -> tuple[Answerer, Conversation | None]:
    """The grounded Answerer, and the Conversation with its chat model when [llm] is enabled (else None)."""
    config = load_config(config_path)
    answerer = Answerer.from_folder(config.catalog_dir, config.language.default)
    if not config.llm.enabled:
        return answerer, None
    from navigator.brain.conversation import build_conversation

    return answerer, build_conversation(config, answerer)


def answer_function(config_path: str | None) -> Callable[[str, str], Answer]:
    """(question, lang) → Answer: the Answerer, or a fresh Conversation per question when [llm] is enabled."""
    answerer, conversation = build_answering(config_path)
    if conversation is None:
        return answerer.ask

    def ask_new_visitor(question: str, lang: str) -> Answer:
        conversation.reset()
        return conversation.ask(question, lang)

    return ask_new_visitor


def readable(text: str) -> str:
    """Bytes that were not UTF-8 (kept by Python as surrogate escapes) become U+FFFD, so output stays valid UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def run(args) -> int:
    ask = answer_function(args.config)
    if args.jsonl:
        for line in sys.stdin:
            question = readable(line.rstrip("\n"))
            if not question.strip():
                continue
            print(json.dumps(ask(question, args.lang).to_json(), ensure_ascii=False), flush=True)
        return 0
    question = readable(" ".join(args.question))
    if not question:
        raise UserError('ask: give a question, e.g. navigator ask "住民票がほしい", or use --jsonl')
    answer = ask(question, args.lang)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(answer))
    return 0


def render_text(answer: Answer) -> str:
    """An answer as a person reads it in a terminal: the sentences, then the link and the source."""
    lines = [answer.text]
    if answer.card:
        if answer.card.qr_url:
            lines.append(f"  → {answer.card.qr_label}: {answer.card.qr_url}")
        if answer.card.bring:
            separator = ", " if answer.lang == "en" else "、"
            lines.append("  " + {"en": "Bring: "}.get(answer.lang, "持ち物: ") + separator.join(answer.card.bring))
        for fee in answer.card.fees:
            lines.append(f"  {fee}")
        for _, name in answer.card.alternatives:
            lines.append("  " + {"en": "Also see: "}.get(answer.lang, "こちらも: ") + name)
        lines.append("  " + {"en": "Source: "}.get(answer.lang, "出典: ") + "; ".join(answer.card.sources))
    return "\n".join(lines)


def chat(args, reason: str = "") -> int:
    """A text conversation: the kiosk's answering without display or microphone."""
    answerer, conversation = build_answering(args.config)
    if reason:
        print(reason)
    print("町田市役所 AIナビゲーター（テキスト版）/ Machida City Hall navigator (text mode)")
    print("ご用件を入力してください。終了は Ctrl+D / Type your question; Ctrl+D to quit.\n")
    while True:
        try:
            question = input("> ")
        except EOFError:
            print()
            return 0
        if question.strip().lower() in {"exit", "quit", "終了"}:
            return 0
        if conversation is None:
            print(render_text(answerer.ask(question, args.lang)) + "\n")
            continue
        for sentence in conversation.stream(question, args.lang):  # each sentence as soon as it passed the guard
            print(sentence, flush=True)
        print("\n".join(render_text(conversation.last).splitlines()[1:]) + "\n")
