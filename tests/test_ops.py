"""Logs without personal data, anonymous usage counts and the staff report, the systemd
watchdog, and config reloading that keeps the last good config."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, edited_config, run_cli
from navigator.brain.answer import Answer
from navigator.config import load_config
from navigator.ops.config_watch import ConfigWatcher
from navigator.ops.logs import setup_logging
from navigator.ops.pii import scrub
from navigator.ops.usage import DB_NAME, UsageRecorder
from navigator.ops.watchdog import Watchdog

PERSONAL = {
    "電話番号は090-1234-5678です": "090-1234-5678",
    "うちは042-722-3111": "722-3111",
    "マイナンバーは1234 5678 9012です": "5678",
    "連絡先 taro.yamada@example.co.jp": "taro.yamada",
    "〒194-8520 東京都町田市森野2-2-22に住んでいます": "森野2-2-22",
    "町田市森野２丁目２番２２号": "２番２２号",
    "私は山田太郎です。住民票がほしい": "山田太郎",
    "わたしの名前は佐藤花子と申します": "佐藤花子",
    "Hello, my name is John Smith": "John Smith",
}


@pytest.mark.parametrize("text, secret", PERSONAL.items())
def test_personal_data_is_scrubbed(text, secret):
    cleaned = scrub(text)
    assert secret not in cleaned and "[" in cleaned


@pytest.mark.parametrize("text", ["住民票がほしいです", "私は住民票がほしいです", "窓口は8:30〜17:00です",
                                  "2026-12-02 の 3-4人", "児童手当の申請をしたい"])
def test_ordinary_questions_are_kept(text):
    assert scrub(text) == text


def config_with_logs(tmp_path: Path, **privacy):
    config = load_config(ROOT / "kiosk_config.toml")
    return config.model_copy(update={"paths": config.paths.model_copy(update={"logs": tmp_path / "logs"}),
                                     "privacy": config.privacy.model_copy(update=privacy)})


@pytest.fixture
def clean_root_logger():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved[1])


def test_logs_are_json_lines_without_personal_data(tmp_path, clean_root_logger, capsys):
    path = setup_logging(config_with_logs(tmp_path), component="kiosk")
    log = logging.getLogger("navigator.test")
    log.info("visitor asked: %s", "私は山田太郎です 090-1234-5678", extra={"event": "turn", "note": "a@b.example.jp"})
    try:
        raise RuntimeError("bad input from taro@example.com")
    except RuntimeError:
        log.exception("answer failed for 1234-5678-9012")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["level"] for r in records] == ["INFO", "ERROR"]
    assert records[0]["event"] == "turn" and records[0]["kiosk"] == "machida-honcho-1f-01"
    written = path.read_text(encoding="utf-8") + capsys.readouterr().err
    for secret in ("山田太郎", "090-1234-5678", "a@b.example.jp", "taro@example.com", "5678-9012"):
        assert secret not in written
    assert "RuntimeError" in records[1]["exc"] and "[email]" in records[1]["exc"]


def test_full_log_disk_keeps_the_kiosk_running_with_one_warning(tmp_path, clean_root_logger, capsys, monkeypatch):
    import errno

    path = setup_logging(config_with_logs(tmp_path))
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(path))

    def full(self, record):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(logging.handlers.RotatingFileHandler, "shouldRollover", full)
    for i in range(50):
        logging.getLogger("navigator.test").info("turn %d", i)
    err = capsys.readouterr().err
    assert err.count("cannot write the log file") == 1 and "No space left on device" in err
    assert handler.failures == 50
    monkeypatch.undo()  # space freed: logging resumes by itself
    logging.getLogger("navigator.test").info("after")
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[-1])["msg"] == "after"


def test_logs_rotate(tmp_path, clean_root_logger, monkeypatch):
    monkeypatch.setattr("navigator.ops.logs.MAX_BYTES", 2000)
    path = setup_logging(config_with_logs(tmp_path))
    for i in range(200):
        logging.getLogger("navigator.test").info("turn %d with some padding text", i)
    assert path.with_name(path.name + ".1").exists() and path.stat().st_size <= 2000
    assert len(list(path.parent.glob("kiosk.log*"))) <= 6


def answer(outcome="answered", service="residence-certificate", lang="ja", question="住民票がほしい"):
    return Answer(question=question, lang=lang, outcome=outcome, service_ids=[service] if service else [],
                  sentences=["…"], urls=[])


def test_usage_counts_are_anonymous(tmp_path):
    recorder = UsageRecorder.from_config(config_with_logs(tmp_path, usage_stats=True))
    assert recorder.record(answer(question="私は山田です、住民票を"), latency_ms=420, channel="voice")
    assert recorder.record(answer(question="私は山田です、住民票を"), latency_ms=380, channel="voice")
    assert recorder.record(answer("out_of_scope", None, "en", "my name is John Smith, weather?"), latency_ms=1500,
                           channel="touch")
    db = sqlite3.connect(tmp_path / "logs" / DB_NAME)
    rows = db.execute("SELECT service_id, language, outcome, latency, channel, count FROM counts ORDER BY count").fetchall()
    assert rows == [("", "en", "out_of_scope", "1-2s", "touch", 1),
                    ("residence-certificate", "ja", "answered", "<0.5s", "voice", 2)]
    dump = "\n".join(db.iterdump())
    assert "山田" not in dump and "John" not in dump and "weather" not in dump


def test_unanswered_text_only_with_store_transcripts_and_scrubbed(tmp_path):
    recorder = UsageRecorder.from_config(config_with_logs(tmp_path, usage_stats=True, store_transcripts=True))
    recorder.record(answer("out_of_scope", None, "ja", "私は山田です。犬の登録は？ 090-1111-2222"), latency_ms=300)
    (text,) = sqlite3.connect(tmp_path / "logs" / DB_NAME).execute("SELECT text FROM unanswered_text").fetchone()
    assert "犬の登録" in text and "山田" not in text and "090" not in text


def test_usage_off_by_default_stores_nothing(tmp_path):
    recorder = UsageRecorder.from_config(config_with_logs(tmp_path))
    assert not recorder.record(answer(), latency_ms=100)
    assert not (tmp_path / "logs").exists()


def test_usage_on_a_broken_disk_never_raises(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be")
    recorder = UsageRecorder.from_config(config_with_logs(tmp_path, usage_stats=True))
    assert recorder.record(answer(), latency_ms=100) is False and recorder.failures == 1


def test_report_summary_and_chart(tmp_path):
    config_path = edited_config(tmp_path, ("usage_stats = false", "usage_stats = true"))
    recorder = UsageRecorder.from_config(load_config(config_path))
    for _ in range(5):
        recorder.record(answer(), latency_ms=400)
    for _ in range(2):
        recorder.record(answer(service="oversized-garbage"), latency_ms=700, channel="touch")
    recorder.record(answer("out_of_scope", None), latency_ms=300)
    chart = tmp_path / "usage.png"
    result = run_cli("--config", str(config_path), "report", "--json", "--chart", str(chart))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["total"] == 8 and data["answered"] == 7 and data["abstained"] == 1
    assert data["top_services"][0][:3] == ["residence-certificate", data["top_services"][0][1], 5]
    assert "住民票" in data["top_services"][0][1]
    from PIL import Image

    image = np.asarray(Image.open(chart).convert("L"))
    assert image.shape[1] >= 1000 and image.std() > 10   # a drawn chart, not a blank page
    text = run_cli("--config", str(config_path), "report").stdout
    assert "8 questions" in text and "住民票" in text


def test_report_on_a_damaged_database_names_the_file(tmp_path):
    config_path = edited_config(tmp_path)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / DB_NAME).write_text("not a database")
    result = run_cli("--config", str(config_path), "report")
    assert result.returncode == 2 and "internal error" not in result.stderr
    assert f"{tmp_path / 'logs' / DB_NAME}: cannot read the usage counts" in result.stderr


def test_report_chart_in_an_unknown_format_is_one_line(tmp_path):
    result = run_cli("report", "--chart", str(tmp_path / "usage.txt"))
    assert result.returncode == 2 and "internal error" not in result.stderr
    assert "usage.txt: cannot save the chart: Format 'txt' is not supported" in result.stderr


def test_report_chart_renders_japanese_glyphs():
    from navigator.ops.report import cjk_font

    assert cjk_font() is not None, "apt-get install fonts-noto-cjk"


def test_watchdog_speaks_sd_notify(tmp_path):
    address = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    server.settimeout(2)
    try:
        dog = Watchdog({"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "30000000"})
        assert dog.ready() and server.recv(256).startswith(b"READY=1")
        assert dog.ping() and server.recv(256) == b"WATCHDOG=1"
        assert not dog.ping()          # rate-limited: a third of WatchdogSec between pings
    finally:
        server.close()
    assert Watchdog({}).ping() is False and Watchdog({}).ready() is False   # outside systemd: no-op


def test_config_edited_to_invalid_keeps_the_last_good_one(tmp_path):
    path = tmp_path / "kiosk_config.toml"
    original = (ROOT / "kiosk_config.toml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    watcher = ConfigWatcher(path)
    assert watcher.poll() == (None, None)
    path.write_text(original.replace("end_silence_s = 0.4", "end_silence_s = 9"), encoding="utf-8")
    config, problem = watcher.poll()
    line = next(n for n, t in enumerate(original.splitlines(), 1) if t.startswith("end_silence_s"))
    assert config is None and f"{path}:{line}: listening.end_silence_s" in problem
    assert watcher.config.listening.end_silence_s == 0.4          # the last good one is kept
    assert watcher.poll() == (None, None)                          # reported once
    path.write_text(original.replace("end_silence_s = 0.4", "end_silence_s = 0.6"), encoding="utf-8")
    config, problem = watcher.poll()
    assert problem is None and config.listening.end_silence_s == 0.6 and watcher.config is config
    path.write_text("[kiosk\nbroken", encoding="utf-8")
    config, problem = watcher.poll()
    assert config is None and f"{path}:1" in problem and "TOML" in problem


def test_no_transcript_reaches_the_log_by_default(tmp_path, clean_root_logger):
    path = setup_logging(config_with_logs(tmp_path))
    log = logging.getLogger("navigator.ui")
    log.warning("voice: %s: %s", "no-speech", "Whisper is guessing: avg_logprob -1.20: '子どもの保育園について'")
    log.warning("voice: mic-unavailable: input device 'USB' not found")
    written = path.read_text(encoding="utf-8")
    assert "保育園" not in written and "[speech]" in written and "'USB'" in written


def test_with_store_transcripts_the_scrubbed_words_are_kept(tmp_path, clean_root_logger):
    path = setup_logging(config_with_logs(tmp_path, store_transcripts=True))
    logging.getLogger("navigator.ui").warning("heard: '子どもの保育園について 090-1234-5678'")
    written = path.read_text(encoding="utf-8")
    assert "保育園" in written and "090-1234-5678" not in written


def test_a_handler_installed_earlier_by_a_library_writes_nothing_personal(tmp_path, clean_root_logger):
    import io

    earlier = logging.StreamHandler(io.StringIO())   # what logging.basicConfig() leaves (pyttsx3 triggers it)
    logging.getLogger().addHandler(earlier)
    setup_logging(config_with_logs(tmp_path))
    logging.getLogger("navigator.test").warning("call me at 090-1234-5678")
    assert "090-1234-5678" not in earlier.stream.getvalue() and "[phone]" in earlier.stream.getvalue()
