"""The answering facade: visitor's words in, grounded `Answer` out."""

from __future__ import annotations

from pathlib import Path

from navigator.brain.answer import Answer, compose, decline
from navigator.brain.guard import is_instruction, off_topic_cue
from navigator.brain.retrieval import Retriever
from navigator.brain.text import clean, detect_language
from navigator.catalog import Catalog, load_catalog
from navigator.catalog.model import Lang


STRONG_EVIDENCE = 8.0  # a phrase this long (粗大ごみ処理券) outweighs an off-topic word (買いたい)


class Answerer:
    """Routes a question to a catalog service (or abstains) and composes the answer."""

    def __init__(self, catalog: Catalog, default_lang: Lang = "ja"):
        self.catalog = catalog
        self.default_lang = default_lang
        self.retriever = Retriever(catalog)

    @classmethod
    def from_folder(cls, path: Path | str, default_lang: Lang = "ja") -> "Answerer":
        return cls(load_catalog(path), default_lang)

    def ask(self, question: str, lang: Lang | str = "auto") -> Answer:
        text = clean(question)
        answer_lang: Lang = detect_language(text, self.default_lang) if lang == "auto" else lang
        if not any(ch.isalnum() for ch in text):
            return decline(self.catalog, answer_lang, question, "empty")
        if is_instruction(text):
            return decline(self.catalog, answer_lang, question, "instruction")
        top = self.retriever.rank(text).top(3)
        if top and top[0].strength < STRONG_EVIDENCE and off_topic_cue(text):
            top = []
        if not top:
            return decline(self.catalog, answer_lang, question, "out_of_scope")
        services = [self.catalog.service(c.service_id) for c in top]
        return compose(services[0], self.catalog, answer_lang, question, alternatives=services[1:])
