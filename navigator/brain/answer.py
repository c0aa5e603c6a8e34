"""Compose the kiosk's answer from catalog fields only: nothing here is generated.

The answer is 2-4 short sentences in the visitor's language: what to do, the online
route first (its URL becomes the QR code), the counter for doing it in person, and a
reminder to confirm on the official page.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from navigator.catalog import Catalog, Office, Service
from navigator.catalog.model import Lang

Outcome = Literal["answered", "out_of_scope", "instruction", "empty"]

# Sentence templates per language. Keep them short: they are read aloud.
_T = {
    "online": {
        "ja": "QRコードから「{label}」を開くと、スマホで続きができます。",
        "easy_ja": "QRコードを スマホで よみとると、「{label}」が ひらきます。",
        "en": "Scan the QR code to open {label} and continue on your phone.",
    },
    "online_unverified": {
        "ja": "QRコードから、スマホで「{label}」を開けます。",
        "easy_ja": "QRコードを スマホで よみとると、「{label}」が ひらきます。",
        "en": "Scan the QR code to open \u201c{label}\u201d on your phone.",
    },
    "office": {
        "ja": "窓口は{name}です{extra}。",
        "easy_ja": "まどぐちは {name} です{extra}。",
        "en": "In person: {name}{extra}.",
    },
    "ask_reception": {"ja": "場所は1階の総合案内でご確認ください", "easy_ja": "ばしょは 1かいの あんないで きいて ください",
                      "en": "ask at the 1F information desk for the way"},
    "reminder": {
        "ja": "最新の情報は公式ページでご確認ください。",
        "easy_ja": "あたらしい じょうほうは、しの ホームページで みて ください。",
        "en": "Please check the official page for the latest details.",
    },
    "out_of_scope": {
        "ja": "申し訳ありません、そのご質問にはお答えできません。この案内では、住民票、引越し、子育て、ごみなど、町田市の手続きをご案内しています。ほかのご用件は町田市役所（代表 {phone}）へお問い合わせください。",
        "easy_ja": "ごめんなさい。その しつもんには こたえられません。ここでは、まちだしの てつづきを あんないします。ほかの ことは しやくしょ（{phone}）に でんわして ください。",
        "en": "Sorry, I can't help with that. I can guide you to Machida city services such as residence certificates, moving, childcare and garbage. For anything else, please call Machida City Hall at {phone}.",
    },
    "empty": {
        "ja": "ご用件をお聞かせください。たとえば「住民票がほしい」「引越しの手続き」のようにお話しください。",
        "easy_ja": "なにを したいですか。「じゅうみんひょうが ほしい」のように はなして ください。",
        "en": "How can I help? For example, say \"I need a residence certificate\" or \"I moved to Machida\".",
    },
}
_SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")


@dataclass(frozen=True)
class Card:
    """What the kiosk shows for the routed service."""

    service_id: str
    title: str
    steps: list[str]
    counter: str | None
    bring: list[str]
    fees: list[str]
    qr_url: str | None
    qr_label: str | None
    link_verified: bool
    sources: list[str]
    alternatives: list[tuple[str, str]] = field(default_factory=list)  # (service_id, name)


@dataclass(frozen=True)
class Answer:
    question: str
    lang: Lang
    outcome: Outcome
    service_ids: list[str]
    sentences: list[str]
    urls: list[str]
    card: Card | None = None

    @property
    def text(self) -> str:
        joiner = " " if self.lang == "en" else ""
        return joiner.join(self.sentences)

    def to_json(self) -> dict:
        """The `navigator ask --json` contract."""
        return {"question": self.question, "lang": self.lang, "service_ids": self.service_ids,
                "answer": self.text, "urls": self.urls, "outcome": self.outcome,
                "card": asdict(self.card) if self.card else None}


def sentences_of(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def office_phrase(office: Office, window: str | None, lang: Lang) -> str:
    """「窓口は1階の障がい福祉課です（電話 042-724-2147）。」 Unconfirmed places are not stated."""
    name = office.name.get(lang)
    window = window or office.window
    located = office.verified and office.floor
    if located:
        floor = office.floor.removesuffix("F")
        if lang == "en":
            name += f" ({office.floor}" + (f", window {window})" if window else ")")
        else:
            prefix = f"{floor}階の" if lang == "ja" else f"{floor}かいの "
            name = prefix + name + (f"（{window}番窓口）" if lang == "ja" and window else
                                    f"（{window}ばん）" if window else "")
    details = [d.get(lang) for d in (office.place, office.hours) if d]
    if office.phone:
        details.append({"ja": "電話 ", "easy_ja": "でんわ ", "en": "tel. "}[lang] + office.phone)
    if not located and not office.place:
        details.append(_T["ask_reception"][lang])
    separator, brackets = ("; ", " ({})") if lang == "en" else ("、", "（{}）")
    extra = brackets.format(separator.join(details)) if details else ""
    return _T["office"][lang].format(name=name, extra=extra)


def compose(service: Service, catalog: Catalog, lang: Lang, question: str,
            alternatives: list[Service] = ()) -> Answer:
    """The grounded answer for `service`, at most four sentences."""
    guidance = sentences_of(service.guidance.get(lang))
    online = service.online[0] if service.online else None
    office = catalog.office_of(service)
    tail: list[str] = []
    if online:
        template = _T["online"] if online.verified else _T["online_unverified"]
        tail.append(template[lang].format(label=online.label.get(lang)))
    counter = office_phrase(office, service.in_person.window, lang) if office else None
    if counter:
        tail.append(counter)
    tail.append(_T["reminder"][lang])
    sentences = guidance[: max(1, 4 - len(tail))] + tail
    card = Card(
        service_id=service.id,
        title=service.name.get(lang),
        steps=guidance,
        counter=counter,
        bring=service.bring.get(lang) if service.bring else [],
        fees=[f"{fee.label.get(lang)}: {fee.yen:,}{'円' if lang != 'en' else ' yen'}" for fee in service.fees],
        qr_url=online.url if online else None,
        qr_label=online.label.get(lang) if online else None,
        link_verified=online.verified if online else False,
        sources=[s.url or s.title for s in service.sources],
        alternatives=[(alt.id, alt.name.get(lang)) for alt in alternatives],
    )
    return Answer(question=question, lang=lang, outcome="answered",
                  service_ids=[service.id, *(alt.id for alt in alternatives)],
                  sentences=sentences, urls=service.urls, card=card)


def decline(catalog: Catalog, lang: Lang, question: str, outcome: Outcome) -> Answer:
    """Out of scope, an instruction to the system, or nothing said: a kind sentence, no service."""
    general = catalog.offices.get("general")
    phone = general.phone if general and general.phone else ""
    template = _T["empty"] if outcome == "empty" else _T["out_of_scope"]
    return Answer(question=question, lang=lang, outcome=outcome, service_ids=[],
                  sentences=sentences_of(template[lang].format(phone=phone)), urls=[])
