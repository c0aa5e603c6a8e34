"""Typed model of the service catalog (schema documented in assets/catalog/README.md)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

Lang = Literal["ja", "en", "easy_ja"]
SERVICE_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_URL_IN_TEXT = re.compile(r"https?://|www\.|\.(jp|com|go\.jp)\b")
_PHONE_IN_TEXT = re.compile(r"\d{2,5}[-‐ー－]\d{2,4}[-‐ー－]\d{3,4}")
_FEE_IN_TEXT = re.compile(r"\d[\d,]*\s*円|[¥￥]\s*\d|\byen\b", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_url(value: str) -> str:
    """An absolute https URL with a host name; anything else is a catalog error."""
    parts = urlsplit(value)
    if parts.scheme != "https" or "." not in parts.netloc or any(c.isspace() for c in value):
        raise ValueError(f"not a valid https:// address: {value!r}")
    return value


class Text(_Strict):
    """A short text in Japanese, English and (optionally) やさしい日本語."""

    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)
    easy_ja: str | None = Field(None, min_length=1)

    def get(self, lang: Lang) -> str:
        if lang == "easy_ja":
            return self.easy_ja or self.ja
        return getattr(self, lang)


class TextList(_Strict):
    ja: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)
    easy_ja: list[str] | None = None

    def get(self, lang: Lang) -> list[str]:
        if lang == "easy_ja":
            return self.easy_ja or self.ja
        return getattr(self, lang)


class Source(_Strict):
    title: str = Field(min_length=1)
    url: str | None = None
    checked: date

    _url = field_validator("url")(lambda cls, v: v if v is None else check_url(v))


class OnlineChannel(_Strict):
    label: Text
    url: str
    verified: bool = True

    _url = field_validator("url")(lambda cls, v: check_url(v))


class InPerson(_Strict):
    office: str
    window: str | None = None
    note: Text | None = None


class Fee(_Strict):
    label: Text
    yen: int = Field(ge=0)
    source: Source


class Keywords(_Strict):
    ja: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


class Service(_Strict):
    id: str = Field(pattern=SERVICE_ID)
    category: str
    name: Text
    guidance: Text
    online: list[OnlineChannel] = []
    in_person: InPerson | None = None
    bring: TextList | None = None
    fees: list[Fee] = []
    keywords: Keywords
    sources: list[Source] = Field(min_length=1)
    unverified: list[str] = []

    @field_validator("guidance")
    @classmethod
    def _no_unsourced_facts(cls, text: Text) -> Text:
        for value in (text.ja, text.en, text.easy_ja or ""):
            if _URL_IN_TEXT.search(value):
                raise ValueError("guidance must not contain a URL: put it in [[online]]")
            if _PHONE_IN_TEXT.search(value):
                raise ValueError("guidance must not contain a phone number: put it in offices.toml")
            if _FEE_IN_TEXT.search(value):
                raise ValueError("guidance must not contain a fee: put it in [[fees]] with its source")
        return text

    @property
    def urls(self) -> list[str]:
        return [channel.url for channel in self.online]


class Office(_Strict):
    name: Text
    floor: str | None = Field(None, pattern=r"^(B?\d{1,2}F)$")
    window: str | None = None
    phone: str | None = Field(None, pattern=r"^0\d{1,4}-\d{1,4}-\d{4}$")
    hours: Text | None = None
    place: Text | None = None
    verified: bool = True
    source: Source


class Category(_Strict):
    id: str = Field(pattern=SERVICE_ID)
    name: Text
