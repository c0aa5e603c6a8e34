"""Japanese readings through OpenJTalk's text frontend (the only pyopenjtalk import in navigator).

Retrieval compares *readings* (katakana) rather than characters, so that kana-only
input (じゅうみんひょう), homophone mistakes of speech recognition (保育円 → ホイクエン)
and kanji variants all meet the catalog's words. Verbs are compared in their 連用形,
which is also their noun form (引っ越した, 引っ越す, 引っ越し → ヒッコシ), so catalog
phrases need not list every inflection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jaconv

# Parts of speech that carry no topic: particles, auxiliaries, symbols, fillers, adverbs.
_SKIP_POS = {"助詞", "助動詞", "記号", "感動詞", "接続詞", "副詞"}
_HIRAGANA_ONLY = re.compile(r"^[\u3041-\u309fー]+$")
# Light words that say nothing about which service is meant (町田: every question is about Machida).
_LIGHT_WORDS = {"する", "ある", "いる", "なる", "できる", "いう", "くる", "来る", "いく", "行く", "ん", "の", "こと",
                "もの", "ところ", "とき", "よう", "ため", "方", "ほう", "どこ", "なに", "何", "どう", "いつ", "これ",
                "それ", "ここ", "そこ", "教える", "くださる", "いただく", "おる", "です", "ます", "私", "わたし",
                "町田", "町田市", "まちだ", "知る", "思う", "つく", "ほしい", "欲しい", "いい", "よい", "みる", "おく",
                "しまう", "あげる", "もらう", "くれる", "ござる"}
_VOWEL_LENGTH = [(re.compile(r"([オコソトノホモヨロゴゾドボポョ])[ウオ]"), r"\1"),
                 (re.compile(r"([ウクスツヌフムユルグズヅブプュ])ウ"), r"\1"),
                 (re.compile(r"([エケセテネヘメレゲゼデベペ])イ"), r"\1")]
_SPELLING = str.maketrans({"ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ", "ヴ": "ブ", "ヮ": "ワ"})
_LATIN = re.compile(r"[A-Za-z][A-Za-z'\-]*")


_WORDLIKE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")


def _frontend(text: str) -> list[dict]:
    """OpenJTalk's analysis, plain mode: 3x faster than pyopenjtalk-plus's extra kanji-reading
    pass and the same readings for the catalog's phrases (questions and catalog use the same mode).

    Plain OpenJTalk turns a word it does not know into a pause (阻台 → 「、」: speech recognition
    writes such homophones); then the fuller mode, which reads it (ソダイ), is used instead.
    """
    import pyopenjtalk  # engine adapter: imported on first use

    words = pyopenjtalk.run_frontend(text, use_vanilla=True)
    if any(w["pos"] == "記号" and w["read"] == "、" and _WORDLIKE.search(w["string"]) for w in words):
        return pyopenjtalk.run_frontend(text)
    return words


@dataclass(frozen=True)
class Run:
    """Consecutive content words, as normalized readings; `text` is their concatenation."""

    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.words)

    def contains(self, reading: str, whole_words: bool) -> bool:
        """Whether `reading` occurs in this run; with `whole_words`, only aligned to word boundaries."""
        text = self.text
        if not whole_words:
            return reading in text
        edges = {0}
        position = 0
        for word in self.words:
            position += len(word)
            edges.add(position)
        start = text.find(reading)
        while start >= 0:
            if start in edges and start + len(reading) in edges:
                return True
            start = text.find(reading, start + 1)
        return False


def normalize_reading(kana: str) -> str:
    """Katakana with vowel length and spelling variants folded (ジュウミンヒョウ → ジュミンヒョ)."""
    kana = jaconv.hira2kata(kana).translate(_SPELLING).replace("ー", "")
    for pattern, replacement in _VOWEL_LENGTH:
        kana = pattern.sub(replacement, kana)
    return re.sub(r"[^\u30a1-\u30fa]", "", kana)


_U_TO_I = str.maketrans("ウクグスツヌブムル", "イキギシチニビミリ")


@lru_cache(maxsize=2048)
def _stem_reading(lemma: str, conjugation: str) -> str:
    """The 連用形 (masu-stem) of a verb, which is also its noun form: 引っ越す → ヒッコシ, 預ける → アズケ."""
    reading = jaconv.hira2kata("".join(word["read"] for word in _frontend(lemma)))
    if conjugation.startswith("形容詞") and reading.endswith("イ"):
        reading = reading[:-1]  # 苦しい, 苦しくて → クルシ
    elif conjugation.startswith("一段") and reading.endswith("ル"):
        reading = reading[:-1]
    elif conjugation.startswith("五段") and reading:
        reading = reading[:-1] + reading[-1].translate(_U_TO_I)
    return normalize_reading(reading)


@lru_cache(maxsize=4096)
def content_runs(text: str) -> tuple[Run, ...]:
    """The runs of content words in the Japanese part of `text`; particles and verbs split runs.

    「保育円の入園申請」 → ホイク+エン, ニュエン+シンセ; 「犬を飼い始めた」 → イヌ, カイ.
    """
    runs: list[Run] = []
    current: list[str] = []

    def close() -> None:
        if current and sum(map(len, current)) >= 2:
            runs.append(Run(tuple(current)))
        current.clear()

    for word in _frontend(_LATIN.sub(" ", text)):
        # Fillers (えーと, あの) are hiragana; plain OpenJTalk also tags unknown katakana words
        # (マイナカード) as fillers, and those carry the topic.
        filler = word["pos"] == "フィラー" and _HIRAGANA_ONLY.match(word["string"])
        if (word["pos"] in _SKIP_POS or filler or word["orig"] in _LIGHT_WORDS or word["pos_group1"] == "非自立"
                or word["string"] in _LIGHT_WORDS):
            close()
            continue
        if word["pos"] in {"動詞", "形容詞"} and word["orig"] not in {"*", ""}:
            close()
            current.append(_stem_reading(word["orig"], word["ctype"]))
            close()
            continue
        reading = normalize_reading(word["read"])
        if reading:
            current.append(reading)
        else:
            close()
    close()
    return tuple(runs)


@lru_cache(maxsize=1024)
def full_reading(text: str) -> Run:
    """The whole sentence's reading, particles included, one word per token (保育演の → ホイクエンノ).

    A speech-recognition homophone can split differently from the intended word
    (保育演 → ホイク + エンジル); its reading as a whole still contains ホイクエン.
    """
    words = (normalize_reading(word["read"]) for word in _frontend(_LATIN.sub(" ", text)))
    return Run(tuple(word for word in words if word))


READING_RULES_VERSION = 7  # bump when the rules above change: cached readings are then rebuilt


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "machida-navigator"


def preload_runs(texts: list[str]) -> None:
    """Fill the reading cache for many catalog phrases at once, from disk when they were read before.

    Reading ~2,500 phrases takes ~0.5 s; the JSON cache makes start-up ~0.05 s. The file is
    keyed by a hash of the phrases and the rules, so an edited catalog is simply read again.
    """
    unique = sorted(set(texts))
    key = hashlib.sha256(json.dumps([READING_RULES_VERSION, unique], ensure_ascii=False).encode()).hexdigest()[:16]
    path = cache_dir() / f"readings-{key}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        _PRELOADED.update({text: tuple(Run(tuple(words)) for words in runs) for text, runs in stored.items()})
        return
    except (OSError, ValueError, TypeError):
        pass
    computed = {text: content_runs(text) for text in unique}
    _PRELOADED.update(computed)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("readings-*.json"):
            old.unlink(missing_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({t: [list(r.words) for r in runs] for t, runs in computed.items()},
                                        ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a read-only home is fine: the readings are simply computed next time too


def phrase_runs(text: str) -> tuple[Run, ...]:
    """Runs of a catalog phrase: preloaded when available, computed otherwise."""
    found = _PRELOADED.get(text)
    return found if found is not None else content_runs(text)


_PRELOADED: dict[str, tuple[Run, ...]] = {}
