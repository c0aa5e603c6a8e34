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
    _add_product_commands(commands)
    return parser


def _add_product_commands(commands) -> None:
    """The avatar, kiosk window, scenes, LLM and technicians' commands (each module is imported only when run)."""
    avatar = commands.add_parser("avatar", help="the 3D guide: snapshots and a frame-rate benchmark")
    avatar_what = avatar.add_subparsers(dest="avatar_command", required=True, metavar="WHAT")
    snapshot = avatar_what.add_parser("snapshot", help="render one still of the avatar to a PNG")
    snapshot.add_argument("--out", required=True, type=Path, metavar="PNG")
    snapshot.add_argument("--size", default="1280x720", metavar="WxH")
    snapshot.add_argument("--viseme", choices=["a", "i", "u", "e", "o"])
    snapshot.add_argument("--blink", action="store_true")
    snapshot.add_argument("--expression", metavar="NAME", help="neutral, happy, sad, surprised")
    snapshot.add_argument("--gesture", metavar="NAME", help="wave, point, bow, nod (pose at its peak)")
    snapshot.add_argument("--model", type=Path, metavar="PATH", help="a .glb/.gltf/.vrm avatar (default: the config's)")
    snapshot.add_argument("--renderer", choices=["auto", "tinydisplay", "egl"], default=None,
                          help="default: [display] renderer of the config")
    snapshot.set_defaults(handler="navigator.commands.avatar:snapshot")
    avatar_bench = avatar_what.add_parser("bench", help="render frames with lip-sync and blinking, print fps")
    avatar_bench.add_argument("--frames", type=int, default=300)
    avatar_bench.add_argument("--size", default="1280x720", metavar="WxH")
    avatar_bench.add_argument("--renderer", choices=["auto", "tinydisplay", "egl"], default=None)
    avatar_bench.add_argument("--model", type=Path, metavar="PATH", help="a .glb/.gltf/.vrm avatar (default: the config's)")
    avatar_bench.add_argument("--json", action="store_true")
    avatar_bench.set_defaults(handler="navigator.commands.avatar:bench")

    kiosk = commands.add_parser("kiosk", help="the full-screen kiosk window")
    kiosk.add_argument("--ask", metavar="TEXT", help="ask TEXT as if typed (with --screenshot: headless check)")
    kiosk.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window once the answer shows, then exit")
    kiosk.add_argument("--size", metavar="WxH", help="window size instead of full screen")
    kiosk.add_argument("--lang", choices=["ja", "en", "easy_ja"])
    kiosk.add_argument("--no-voice", action="store_true", help="touch and typing only")
    kiosk.add_argument("--voice-wav", type=Path, metavar="WAV",
                       help="the visitor's question from a WAV through the real voice pipeline (headless check)")
    kiosk.add_argument("--json", action="store_true", help="with --screenshot: print the check's figures as JSON")
    kiosk.set_defaults(handler="navigator.commands.kiosk:run")

    scene = commands.add_parser("scene", help="PR scenes: check, preview, render to MP4")
    scene_what = scene.add_subparsers(dest="scene_command", required=True, metavar="WHAT")
    scene_check = scene_what.add_parser("check", help="validate scene files (FILE:LINE: message)")
    scene_check.add_argument("files", nargs="+", type=Path)
    scene_check.set_defaults(handler="navigator.commands.scene:check")
    preview = scene_what.add_parser("preview", help="play a scene in a window, reloading on save")
    preview.add_argument("file", type=Path)
    preview.set_defaults(handler="navigator.commands.scene:preview")
    render = scene_what.add_parser("render", help="render a scene to MP4 (+ .srt)")
    render.add_argument("file", type=Path)
    render.add_argument("-o", "--out", required=True, type=Path, metavar="MP4")
    render.add_argument("--size", metavar="WxH")
    render.add_argument("--fps", type=int)
    render.add_argument("--seconds", type=float)
    render.add_argument("--no-subtitles", action="store_true", help="do not burn subtitles into the picture")
    render.set_defaults(handler="navigator.commands.scene:render")

    llm = commands.add_parser("llm", help="the optional conversational model")
    llm_what = llm.add_subparsers(dest="llm_command", required=True, metavar="WHAT")
    llm_check = llm_what.add_parser("check", help="reach the [llm] endpoint and report")
    llm_check.add_argument("--json", action="store_true")
    llm_check.set_defaults(handler="navigator.commands.llm:check")

    doctor = commands.add_parser("doctor", help="check this kiosk: config, models, voices, sound, display, fonts")
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--quick", action="store_true", help="skip the slow checks (model load, level, frame rate)")
    doctor.set_defaults(handler="navigator.commands.doctor:run")

    report = commands.add_parser("report", help="anonymous usage summary for staff (and a PNG chart)")
    report.add_argument("--chart", type=Path, metavar="PNG")
    report.add_argument("--days", type=int, default=30)
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler="navigator.commands.report:run")

    soak = commands.add_parser("soak", help="many file-backed voice turns in one process: failures and memory")
    soak.add_argument("--turns", type=int, default=1000)
    soak.add_argument("--json", action="store_true")
    soak.set_defaults(handler="navigator.commands.soak:run")


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
