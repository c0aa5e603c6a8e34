"""`navigator` command line. Imports are lazy so that `navigator ask` starts fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from navigator.errors import UserError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="navigator", description="Machida city-hall AI navigator kiosk")
    parser.add_argument("--config", metavar="PATH", help="kiosk config file (default: ./kiosk_config.toml)")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    start = commands.add_parser("start", help="start the kiosk (text conversation when there is no display)")
    start.set_defaults(handler="navigator.commands.start:run")

    ask = commands.add_parser("ask", help="answer one question (or --jsonl from stdin)")
    ask.add_argument("question", nargs="*", help="the visitor's question")
    ask.add_argument("--lang", default="auto", choices=["auto", "ja", "en", "easy_ja"])
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--jsonl", action="store_true", help="read one question per line on stdin, write JSON lines")
    ask.set_defaults(handler="navigator.commands.ask:run")

    chat = commands.add_parser("chat", help="a text conversation in the terminal")
    chat.add_argument("--lang", default="auto", choices=["auto", "ja", "en", "easy_ja"])
    chat.set_defaults(handler="navigator.commands.ask:chat")

    talk = commands.add_parser("talk", help="one spoken turn from a WAV file, or live on the sound devices")
    talk.add_argument("--in", dest="input", metavar="WAV", help="the visitor's question (any rate, mono or stereo)")
    talk.add_argument("--out", dest="output", metavar="WAV", help="write the kiosk's spoken reply here")
    talk.add_argument("--live", action="store_true", help="use the microphone and speaker from kiosk_config.toml")
    talk.add_argument("--turns", type=int, default=None, help="with --live: stop after N answers")
    talk.add_argument("--json", action="store_true", help="JSON output (one line per event with --live)")
    talk.set_defaults(handler="navigator.commands.talk:run")

    evaluate = commands.add_parser("eval", help="routing accuracy on a JSONL file of {q, expect}")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
    evaluate.set_defaults(handler="navigator.commands.evaluate:run")

    bench = commands.add_parser("bench", help="benchmarks that print figures")
    bench_what = bench.add_subparsers(dest="bench", required=True, metavar="WHAT")
    bench_ask = bench_what.add_parser("ask", help="start-up time and per-question latency of `ask`")
    bench_ask.add_argument("--questions", type=int, default=100)
    bench_ask.add_argument("--json", action="store_true")
    bench_ask.set_defaults(handler="navigator.commands.bench:ask")
    bench_voice = bench_what.add_parser("voice", help="stage timings of spoken turns (file-backed)")
    bench_voice.add_argument("--wavs", metavar="DIR", help="question WAVs (default: built-in visitor questions)")
    bench_voice.add_argument("--json", action="store_true")
    bench_voice.set_defaults(handler="navigator.commands.bench:voice")

    config = commands.add_parser("config", help="kiosk_config.toml tools")
    config_what = config.add_subparsers(dest="config_command", required=True, metavar="WHAT")
    check = config_what.add_parser("check", help="validate a config file")
    check.add_argument("path", nargs="?", help="the file (default: the one --config selects)")
    check.set_defaults(handler="navigator.commands.checks:config")

    catalog = commands.add_parser("catalog", help="service catalog tools")
    catalog_what = catalog.add_subparsers(dest="catalog_command", required=True, metavar="WHAT")
    check = catalog_what.add_parser("check", help="validate the service catalog")
    check.add_argument("path", nargs="?", help="catalog folder (default: [paths] catalog of the config)")
    check.add_argument("--require", type=Path, metavar="SERVICES_TOML",
                       help="also check that every service ID listed in this file exists")
    check.set_defaults(handler="navigator.commands.checks:catalog")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    module_name, _, function = args.handler.partition(":")
    try:
        import importlib

        handler = getattr(importlib.import_module(module_name), function)
        return handler(args) or 0
    except UserError as exc:
        print(f"navigator: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so briefly, details with --debug
        if args.debug:
            raise
        print(f"navigator: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":
    raise SystemExit(main())
