"""Structured, rotated logs: one JSON object per line in `[paths] logs`/<component>.log.

Every record passes the personal-data filter (`PiiFilter`) before any handler writes it: the
message, its arguments, extra string fields and the exception text are scrubbed, so a visitor's
phone number never reaches a disk or the journal. When the log disk is full or read-only the
kiosk keeps running: one warning on stderr, and file logging resumes when writing works again.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import threading
import time
from pathlib import Path

from navigator.ops.pii import drop_quoted_speech, scrub

MAX_BYTES = 2_000_000
BACKUPS = 5
_OURS = "_navigator_ops"          # marks handlers installed here, so setup can be repeated
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class PiiFilter(logging.Filter):
    """Scrubs personal data from a record in place (message, args, extras, exception text).

    With `drop_speech` (the default: [privacy] store_transcripts = false) quoted words a visitor
    may have said are replaced by [speech] as well, so no transcript reaches a log.
    """

    def __init__(self, drop_speech: bool = True):
        super().__init__()
        self._clean = (lambda text: drop_quoted_speech(scrub(text))) if drop_speech else scrub

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        clean = self._clean
        record.msg, record.args = clean(message), ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = clean(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, str):
                setattr(record, key, clean(value))
        record._pii_scrubbed = True
        return True


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "component", "kiosk", "logger", "msg", extras..., "exc"} on one line."""

    def __init__(self, component: str, kiosk: str):
        super().__init__()
        self.component, self.kiosk = component, kiosk

    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "component": self.component, "kiosk": self.kiosk,
                "logger": record.name, "msg": record.getMessage()}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class SafeRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler that never lets a write error (disk full, removed folder) reach the kiosk.

    Every error of its emit() (rollover, opening, writing) arrives in handleError: the first one
    prints a line to stderr, later ones are silent; writing resumes by itself.
    """

    def __init__(self, path: Path, **options):
        self.failures = 0
        self._warned = False
        super().__init__(path, encoding="utf-8", delay=True, **options)

    def handleError(self, record: logging.LogRecord) -> None:
        self.failures += 1
        error = sys.exc_info()[1]
        if self.stream is not None:  # a half-written stream: reopen on the next record
            try:
                self.stream.close()
            except OSError:
                pass
            self.stream = None
        if not self._warned:
            self._warned = True
            try:
                sys.stderr.write(f"navigator: cannot write the log file {self.baseFilename} ({error}); "
                                 "the kiosk keeps running without file logs until writing works again "
                                 "(free disk space or fix [paths] logs)\n")
            except Exception:
                pass


def log_dir(config) -> Path:
    """The configured log folder, absolute."""
    return config.resolve(config.paths.logs)


_setup_lock = threading.Lock()


def setup_logging(config, component: str = "kiosk", level: int = logging.INFO, stderr: bool = True) -> Path | None:
    """Install the JSON-lines file log (rotated, PII-filtered) and a stderr log for warnings.

    Safe to call again (handlers from an earlier call are replaced). Returns the log file path,
    or None when the folder cannot be created (then only stderr is used, after one warning).
    """
    with _setup_lock:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
        pii = PiiFilter(drop_speech=not config.privacy.store_transcripts)
        path: Path | None = log_dir(config) / f"{component}.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            sys.stderr.write(f"navigator: cannot create the log folder {path.parent} ({exc}); logging to stderr only "
                             f"(fix [paths] logs in {config.source})\n")
            path = None
        handlers: list[logging.Handler] = []
        if path is not None:
            file_handler = SafeRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
            file_handler.setFormatter(JsonFormatter(component, config.kiosk.id))
            file_handler.setLevel(level)
            handlers.append(file_handler)
        if stderr:
            console = logging.StreamHandler(sys.stderr)
            console.setFormatter(logging.Formatter("navigator: %(levelname)s %(name)s: %(message)s"))
            console.setLevel(logging.WARNING)
            handlers.append(console)
        for handler in root.handlers[:]:   # e.g. logging.basicConfig's, which pyttsx3 triggers: never unfiltered
            if stderr and type(handler) is logging.StreamHandler and handler.stream in (sys.stderr, sys.__stderr__):
                root.removeHandler(handler)   # ours below replaces it
            else:
                for old in [f for f in handler.filters if isinstance(f, PiiFilter)]:
                    handler.removeFilter(old)   # from an earlier setup, maybe with other privacy settings
                handler.addFilter(pii)
        for handler in handlers:
            handler.addFilter(pii)
            setattr(handler, _OURS, True)
            root.addHandler(handler)
        logging.captureWarnings(True)
        return path
