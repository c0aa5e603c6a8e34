"""`navigator bench ask`: start-up, per-question latency and single-process wall time of `ask`."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from navigator.commands.ask import build_answerer

SAMPLE = ["住民票の写しがほしいです", "引っ越してきました", "I moved to Machida last week.", "保育園に入れたい",
          "粗大ごみを出したい", "おいしいラーメン屋を教えて", "じゅうみんひょうが ほしいです", "素材ゴミの申し込み",
          "How do I pay my city tax?", "母の介護認定を申請したい"]


def ask(args) -> int:
    started = time.perf_counter()
    answerer = build_answerer(args.config)
    startup = time.perf_counter() - started
    questions = [f"{SAMPLE[i % len(SAMPLE)]}{'' if i < len(SAMPLE) else ' ' * (i // len(SAMPLE))}"
                 for i in range(args.questions)]
    times = []
    batch_start = time.perf_counter()
    for question in questions:
        t = time.perf_counter()
        answerer.ask(question + "？" * (hash(question) % 2))
        times.append(time.perf_counter() - t)
    batch = time.perf_counter() - batch_start
    walls = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "navigator", *(["--config", args.config] if args.config else []),
                        "ask", "--json", "住民票がほしい"], check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    figures = {
        "startup_s": round(startup, 3),
        "questions": len(questions),
        "batch_total_s": round(batch, 3),
        "per_question_ms_median": round(statistics.median(times) * 1000, 2),
        "per_question_ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 2),
        "single_ask_process_wall_s_median": round(statistics.median(walls), 3),
    }
    print(json.dumps(figures) if args.json else "\n".join(f"{k:36s} {v}" for k, v in figures.items()))
    return 0
