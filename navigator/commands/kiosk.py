"""`navigator kiosk`: the full-screen kiosk window, or its headless check (--ask ... --screenshot PNG)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from navigator.config import load_config
from navigator.commands.options import parse_size
from navigator.errors import UserError


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "eglfs", "linuxfb", "vnc"))


def run(args) -> int:
    config = load_config(args.config)
    size = parse_size(args.size, smallest=320, example="1920x1080") if args.size else None
    voice_wav: Path | None = getattr(args, "voice_wav", None)
    if args.screenshot and not args.ask and not voice_wav:
        raise UserError("kiosk: --screenshot needs a question: --ask \"TEXT\" (or --voice-wav WAV)")
    if not has_display():
        if not args.screenshot:
            raise UserError("kiosk: no display found (DISPLAY/WAYLAND_DISPLAY unset); "
                            "for a headless check use --ask TEXT --screenshot PNG, or `navigator chat`")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if args.screenshot:
        try:   # before the window starts: a folder that cannot be made is one line, not a hung check
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"kiosk: --screenshot {args.screenshot}: cannot make its folder ({exc.strerror})") from None
        size = size or ((1920, 1080) if config.kiosk.orientation == "landscape" else (1080, 1920))
    return run_kiosk(config, args, size, voice_wav)


def run_kiosk(config, args, size, voice_wav: Path | None) -> int:
    from navigator.app import RESTART_EXIT_CODE, build_kiosk, setup_logging
    from navigator.ui.runner import WindowOptions, run_window

    setup_logging(config)
    source_factory = sink_factory = None
    if voice_wav:
        from voice.audio import AudioFileError
        from voice.files import BufferSink, BufferSource

        try:
            BufferSource.from_wav(voice_wav)
        except AudioFileError as exc:
            raise UserError(str(exc)) from None
        source_factory = lambda: BufferSource.from_wav(voice_wav, realtime=True, tail_s=3.0)  # noqa: E731
        sink_factory = lambda: BufferSink(realtime=True)  # noqa: E731
    # The headless check answers typed text: no microphone or speech model needed.
    voice = bool(voice_wav) or not (args.no_voice or args.screenshot)
    kiosk = build_kiosk(config, voice=voice, source_factory=source_factory, sink_factory=sink_factory,
                        attract=not args.screenshot)
    options = WindowOptions(size=size, lang=args.lang, ask=args.ask, screenshot=args.screenshot,
                            json=getattr(args, "json", False), wait_for_voice=bool(voice_wav))
    code = run_window(kiosk, options)
    if code == RESTART_EXIT_CODE:   # the technician's restart: a fresh process, same arguments
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "navigator", *sys.argv[1:]])
    return code
