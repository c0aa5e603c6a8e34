"""Anonymous usage counts for staff reports, in SQLite next to the logs (`usage.sqlite`).

One row per (day, service, language, outcome, latency bucket, channel) with a count: no time of
day, no question text, nothing that identifies a visitor. Only with `[privacy] store_transcripts =
true` are unanswered questions kept, and then only after the personal-data filter. Recording never
raises: a full or locked disk costs a count, not the kiosk.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from pathlib import Path

from navigator.ops.logs import log_dir
from navigator.ops.pii import scrub

log = logging.getLogger("navigator.usage")
DB_NAME = "usage.sqlite"
CHANNELS = ("voice", "touch", "text")
LATENCY_BUCKETS = ((500, "<0.5s"), (1000, "0.5-1s"), (2000, "1-2s"), (5000, "2-5s"), (float("inf"), ">5s"))
MAX_TEXT = 200

SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    day TEXT NOT NULL, service_id TEXT NOT NULL, language TEXT NOT NULL, outcome TEXT NOT NULL,
    latency TEXT NOT NULL, channel TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service_id, language, outcome, latency, channel));
CREATE TABLE IF NOT EXISTS unanswered_text (
    day TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, language, text));
"""


def latency_bucket(latency_ms: float | None) -> str:
    if latency_ms is None:
        return "unknown"
    return next(name for limit, name in LATENCY_BUCKETS if latency_ms < limit)


def database(config) -> Path:
    """Where the counts are kept: `usage.sqlite` in the configured log folder."""
    return log_dir(config) / DB_NAME


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=2.0)
    db.executescript(SCHEMA)
    return db


class UsageRecorder:
    """`record(answer, latency_ms=..., channel=...)` after each answer; a no-op when `path` is None."""

    def __init__(self, path: Path | None, store_text: bool = False, today=dt.date.today):
        self.path = path
        self.store_text = store_text
        self.failures = 0
        self._today = today
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> "UsageRecorder":
        if not config.privacy.usage_stats:
            return cls(None)
        return cls(database(config), store_text=config.privacy.store_transcripts)

    def record(self, answer, latency_ms: float | None = None, channel: str = "voice") -> bool:
        """Count one answer (navigator.brain.answer.Answer). True when it was stored."""
        if self.path is None:
            return False
        answered = answer.outcome == "answered" and bool(answer.service_ids)
        service = answer.service_ids[0] if answered else ""
        row = (self._today().isoformat(), service, str(answer.lang), str(answer.outcome), latency_bucket(latency_ms),
               channel if channel in CHANNELS else "other")
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = connect(self.path)
                try:
                    with db:
                        db.execute("INSERT INTO counts VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO UPDATE "
                                   "SET count = count + 1", row)
                        keep = self.store_text and not answered and answer.outcome != "empty"
                        text = scrub(getattr(answer, "question", "") or "").strip()[:MAX_TEXT] if keep else ""
                        if text:
                            db.execute("INSERT INTO unanswered_text VALUES (?, ?, ?, 1) ON CONFLICT DO UPDATE "
                                       "SET count = count + 1", (row[0], row[2], text))
                finally:
                    db.close()
            return True
        except (sqlite3.Error, OSError) as exc:
            self.failures += 1
            if self.failures == 1:
                log.warning("usage counts cannot be stored in %s (%s); the kiosk continues", self.path, exc)
            return False
