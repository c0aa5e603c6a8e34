"""Rank catalog services for a visitor's words, or find that none fits.

Evidence, each kind from a library that does the job well:
- Keyword phrases: a service is a candidate only when one of its catalog phrases is in
  the question, compared as *readings* (japanese.py), so kana-only input, kanji variants
  and homophone errors of speech recognition still match; phrases heard slightly wrong
  (素材ゴミ ≈ 粗大ごみ) match through rapidfuzz similarity. English phrases match on
  Snowball stems (PyStemmer), misspelt words first snapped to the catalog's words.
- Ranking among candidates: BM25 (bm25s) over reading 2/3-grams and English stems adds
  the weight of everything else the question shares with each service.
No phrase evidence means abstaining: the kiosk says it cannot help rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer
from rapidfuzz import fuzz, process

from navigator.brain.japanese import Run, content_runs, full_reading, phrase_runs, preload_runs
from navigator.catalog import Catalog, Service

MIN_EVIDENCE = 2.0       # reading characters (or English stem letters / 2) a matched phrase must cover
FUZZY_MIN = 80           # % similarity for a phrase heard slightly wrong (one kana in five)
FUZZY_MIN_LENGTH = 5     # shorter readings must match exactly
WHOLE_WORD_BELOW = 4     # shorter readings must match whole words (ホン must not match inside ニホンゴ)
DISTINCTIVE_DF = 2       # a loose word is evidence only if at most this many services use it
SHARED_WORD_WEIGHT = 0.6 # ... and counts less when another service uses it too
MIN_WORDS = 2            # loose words are evidence only when at least this many agree
MIN_WORD_KANA = 3        # ... and only words of 3+ kana (ホホ for 方法 says nothing)
MIN_SINGLE_KANA = 5      # one loose word alone is evidence when it is this long
PHRASE_RUN_DF = 6        # a phrase needs a reading used by at most this many services
EVIDENCE_WEIGHT = 1.0    # ranking weight of the best phrase against BM25
NGRAMS = (2, 3)
_WORD = re.compile(r"[a-z0-9]+")
_HIRAGANA = re.compile(r"^[\u3041-\u309f]+$")
_EN_STOP = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
            "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
            "was", "will", "with", "i", "me", "my", "we", "our", "you", "your", "do", "does", "did", "can", "could",
            "would", "should", "how", "what", "where", "when", "which", "who", "want", "need", "like", "please",
            "get", "have", "has", "had", "am", "from", "about", "some", "any", "just", "so", "tell", "know",
            "help", "hello", "hi", "thank", "thanks", "go", "make", "one", "city", "machida", "s", "t", "m", "don"}


@dataclass(frozen=True)
class Candidate:
    service_id: str
    score: float
    evidence: str      # the catalog phrase that made it a candidate
    strength: float    # how much of that phrase was heard (reading characters)


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]  # best first; only services with phrase evidence

    def top(self, k: int = 3) -> list[Candidate]:
        """The best, and up to k-1 others whose score is close enough to be worth showing."""
        if not self.candidates:
            return []
        best = self.candidates[0].score
        return [c for c in self.candidates[:k] if c.score >= best * 0.5]


@dataclass(frozen=True)
class _Phrase:
    service: int
    text: str
    runs: tuple[str, ...]       # Japanese reading runs, or English stems
    english: bool


@dataclass(frozen=True)
class _Word:
    """A distinctive word of some services' phrases: a reading (ja) or a stem (en)."""

    text: str
    services: tuple[int, ...]
    english: bool

    @property
    def weight(self) -> float:
        return 1.0 if len(self.services) == 1 else SHARED_WORD_WEIGHT


def _ngrams(run: str) -> list[str]:
    grams = [run] if len(run) >= 2 else []
    for n in NGRAMS:
        grams += [run[i : i + n] for i in range(len(run) - n + 1)]
    return grams


class Retriever:
    """Built once from the catalog (~0.1 s); `rank()` takes about a millisecond."""

    def __init__(self, catalog: Catalog):
        self.ids = list(catalog.services)
        self._stem = Stemmer.Stemmer("english").stemWord
        services = list(catalog.services.values())
        preload_runs([text for s in services for text in self._ja_texts_of(s)])
        self._phrases = self._specific([p for i, s in enumerate(services) for p in self._phrases_of(i, s)])
        self._ja_runs = sorted({run for p in self._phrases if not p.english for run in p.runs})
        self._ja_run_index = {run: i for i, run in enumerate(self._ja_runs)}
        self._words = self._distinctive_words(services)
        self._ja = _Bm25([self._ja_tokens_of(s) for s in services])
        self._en = _Bm25([self._en_tokens_of(s) for s in services])
        self._en_vocab = sorted({w for s in services for w in _WORD.findall(" ".join(s.keywords.en + [s.name.en]).lower())
                                 if len(w) >= 4 and w not in _EN_STOP})

    # -- the catalog side ------------------------------------------------------------
    @staticmethod
    def _ja_texts_of(service: Service) -> list[str]:
        return [service.name.ja, *service.keywords.ja, *([service.name.easy_ja] if service.name.easy_ja else [])]

    def _phrases_of(self, index: int, service: Service) -> list[_Phrase]:
        phrases = []
        for text in self._ja_texts_of(service):
            runs = tuple(run.text for run in phrase_runs(text))
            if runs:
                phrases.append(_Phrase(index, text, runs, english=False))
        for text in [service.name.en, *service.keywords.en]:
            stems = tuple(self._en_stems(text))
            if stems:
                phrases.append(_Phrase(index, text, stems, english=True))
        return phrases

    def _distinctive_words(self, services: list[Service]) -> list[_Word]:
        """Words (readings of 3+ kana, stems of 4+ letters) used by few services."""
        users: dict[tuple[str, bool], set[int]] = {}
        for index, service in enumerate(services):
            for text in [service.name.ja, *service.keywords.ja]:
                for run in phrase_runs(text):
                    for word in {*run.words, run.text}:  # 住民税: the words ジュミン, ゼ and the run ジュミンゼ
                        if len(word) >= MIN_WORD_KANA:
                            users.setdefault((word, False), set()).add(index)
            for text in [service.name.en, *service.keywords.en]:
                for stem in self._en_stems(text):
                    if len(stem) >= 4:
                        users.setdefault((stem, True), set()).add(index)
        return [_Word(text, tuple(sorted(idx)), english) for (text, english), idx in users.items()
                if len(idx) <= DISTINCTIVE_DF]

    @staticmethod
    def _specific(phrases: list[_Phrase]) -> list[_Phrase]:
        """Drop Japanese phrases that say nothing specific once particles and light words are gone.

        「まちとも」 read as マチ, or 「子どもができた」 reduced to コドモ (a word of many services),
        would otherwise turn any question with 街 or 子ども into evidence.
        """
        users: dict[str, set[int]] = {}
        for phrase in phrases:
            if not phrase.english:
                for run in phrase.runs:
                    users.setdefault(run, set()).add(phrase.service)
        kept = []
        for phrase in phrases:
            if not phrase.english:
                if sum(map(len, phrase.runs)) <= 2 and len(phrase.text) > 2 and _HIRAGANA.match(phrase.text):
                    continue  # a hiragana name misread as particles: まちとも → マチ + とも
                if all(len(users[run]) > PHRASE_RUN_DF for run in phrase.runs):
                    continue
            kept.append(phrase)
        return kept

    def _ja_tokens_of(self, service: Service) -> list[str]:
        phrases = [service.name.ja, *self._ja_texts_of(service)]  # the name counts twice
        return [g for phrase in phrases for run in phrase_runs(phrase) for g in _ngrams(run.text)]

    def _en_tokens_of(self, service: Service) -> list[str]:
        return [t for phrase in [service.name.en, service.name.en, *service.keywords.en] for t in self._en_tokens(phrase)]

    def _en_stems(self, text: str) -> list[str]:
        return [self._stem(w) for w in _WORD.findall(text.lower()) if w not in _EN_STOP]

    def _en_tokens(self, text: str) -> list[str]:
        stems = self._en_stems(text)
        return stems + [f"{a}_{b}" for a, b in zip(stems, stems[1:])]

    # -- the question side -----------------------------------------------------------
    def rank(self, text: str) -> Ranking:
        runs = content_runs(text) if text else ()
        words = [self._snap(w) for w in _WORD.findall(text.lower())]
        evidence, phrase_of = self._evidence(runs, full_reading(text) if runs else None,
                                             set(self._en_stems(" ".join(words))))
        scores = EVIDENCE_WEIGHT * evidence
        if runs:
            scores = scores + self._ja.scores([g for run in runs for g in _ngrams(run.text)])
        if words:
            scores = scores + self._en.scores(self._en_tokens(" ".join(words)))
        order = [i for i in np.argsort(-scores) if evidence[i] >= MIN_EVIDENCE]
        return Ranking([Candidate(self.ids[i], float(scores[i]), phrase_of[i], float(evidence[i])) for i in order])

    def _evidence(self, runs: tuple[Run, ...], whole: Run | None, stems: set[str]) -> tuple[np.ndarray, list[str]]:
        """Per service: the strength of its best phrase found in the question, and that phrase."""
        run_strength = self._run_strengths(runs, whole)
        best = np.zeros(len(self.ids))
        phrase_of = [""] * len(self.ids)
        for phrase in self._phrases:
            if phrase.english:
                if not all(stem in stems for stem in phrase.runs):
                    continue
                strength = sum(len(stem) for stem in phrase.runs) / 2
            else:
                strengths = [run_strength[self._ja_run_index[run]] for run in phrase.runs]
                if min(strengths) <= 0:
                    continue
                strength = sum(strengths)
            if strength > best[phrase.service]:
                best[phrase.service] = strength
                phrase_of[phrase.service] = phrase.text
        by_words = np.zeros(len(self.ids))
        matched = np.zeros(len(self.ids), dtype=int)
        for word in self._words:
            if word.english:
                found = word.text in stems
                strength = len(word.text) / 4  # an English word alone never reaches MIN_SINGLE_KANA
            else:
                found = any(run.contains(word.text, len(word.text) < WHOLE_WORD_BELOW) for run in runs)
                strength = len(word.text)
            if found:
                for service in word.services:
                    by_words[service] += strength * word.weight
                    matched[service] += 1
        # Words count together: one word ("baseball") is not a request for that service,
        # unless it is a long, specific Japanese word (住民税 → ジュミンゼ).
        by_words[(matched < MIN_WORDS) & (by_words < MIN_SINGLE_KANA)] = 0
        for service in np.flatnonzero(by_words > best):
            phrase_of[service] = phrase_of[service] or "(several keywords)"
        return np.maximum(best, by_words), phrase_of

    def _run_strengths(self, runs: tuple[Run, ...], whole: Run | None) -> np.ndarray:
        """For each catalog reading: its length if it occurs in the question, less if only nearly.

        Exact matches may also use the reading of the whole sentence (`whole`), which survives
        a misheard word splitting oddly (保育演 → ホイク + エンジル still reads ホイクエン...);
        near matches use content words only, so 住民税 is never taken for 住民票.
        """
        strengths = np.zeros(len(self._ja_runs))
        if not runs:
            return strengths
        exact_in = runs + ((whole,) if whole else ())
        for i, reading in enumerate(self._ja_runs):
            whole_words = len(reading) < WHOLE_WORD_BELOW
            if any(run.contains(reading, whole_words) for run in exact_in):
                strengths[i] = len(reading)
        texts = [run.text for run in runs]
        similar = process.cdist(self._ja_runs, texts, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_MIN)
        for i, reading in enumerate(self._ja_runs):
            if strengths[i] or len(reading) < FUZZY_MIN_LENGTH:
                continue
            for j, text in enumerate(texts):
                if similar[i, j] and len(text) >= len(reading):
                    strengths[i] = max(strengths[i], len(reading) * (similar[i, j] - 60) / 40)
        return strengths

    def _snap(self, word: str) -> str:
        """A misspelt English word replaced by the closest catalog word (refridgerator → refrigerator)."""
        if len(word) < 5 or word in _EN_STOP or not self._en_vocab:
            return word
        found = process.extractOne(word, self._en_vocab, scorer=fuzz.ratio, score_cutoff=85)
        return found[0] if found else word


class _Bm25:
    """bm25s over pre-tokenized documents; unknown query tokens are ignored."""

    def __init__(self, documents: list[list[str]]):
        self._model = bm25s.BM25()
        self._model.index(documents, show_progress=False)
        self._vocab = self._model.vocab_dict

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self._vocab and t != ""]
        if not known:
            return np.zeros(self._model.scores["num_docs"])
        return self._model.get_scores(known).astype(np.float64)
