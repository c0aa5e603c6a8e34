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


def voice(args) -> int:
    """Stage timings of spoken turns from WAV files (or the built-in visitor questions), file-backed."""
    from pathlib import Path

    from navigator.brain.answerer import Answerer
    from navigator.catalog import load_catalog
    from navigator.commands.talk import Timeline
    from navigator.config import load_config
    from navigator.speech import CatalogAnswer, build_engines, pipeline_config
    from navigator.spoken_samples import VISITOR_QUESTIONS, visitor_audio
    from voice.audio import read_wav
    from voice.events import AnswerReady
    from voice.files import BufferSink, BufferSource
    from voice.pipeline import VoicePipeline

    config = load_config(args.config)
    catalog = load_catalog(config.catalog_dir)
    engines = build_engines(config, catalog)
    engines.stt.warm_up()
    answer = CatalogAnswer.from_config(config, Answerer(catalog, config.language.default))
    if args.wavs:
        files = sorted(Path(args.wavs).glob("*.wav"))
        if not files:
            from navigator.errors import UserError

            raise UserError(f"{args.wavs}: no .wav files")
        samples = [(f.name, read_wav(f), None) for f in files]
    else:
        samples = [(q, visitor_audio(q, seed=i), expected) for i, (q, expected) in enumerate(VISITOR_QUESTIONS)]
    rows = []
    for name, audio, expected in samples:
        timeline = Timeline()
        VoicePipeline(BufferSource(audio), BufferSink(), engines.vad_factory(), engines.stt, engines.tts, answer,
                      timeline, pipeline_config(config)).run(turns=1)
        ready = timeline.first(AnswerReady)
        rows.append({"name": name, **timeline.timings_ms(),
                     "routed": list(ready[1].service_ids[:1]) if ready else [], "expected": expected})
    keys = ["end_of_speech_detection", "stt", "answer", "tts_first_audio", "end_of_speech_to_first_audio"]
    summary = {"turns": len(rows)}
    for key in keys:
        values = sorted(r[key] for r in rows if r[key] is not None)
        summary[key] = {"median_ms": round(statistics.median(values), 1) if values else None,
                        "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1) if values else None}
    if not args.wavs:
        summary["routed_right"] = sum(r["routed"] == [r["expected"]] for r in rows)
    if args.json:
        print(json.dumps({"summary": summary, "turns": rows}, ensure_ascii=False))
    else:
        for key in keys:
            print(f"{key:32s} median {summary[key]['median_ms']} ms   p95 {summary[key]['p95_ms']} ms")
        if "routed_right" in summary:
            print(f"{'routed right':32s} {summary['routed_right']}/{len(rows)}")
    return 0

