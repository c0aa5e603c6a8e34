"""`navigator avatar snapshot|bench`: a still of the guide, and the offscreen frame rate with lip-sync."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from navigator.commands.options import parse_size
from navigator.errors import UserError


def _model_and_renderer(args) -> tuple[Path | None, str]:
    """The avatar file and renderer: command-line flags first, then kiosk_config.toml."""
    from navigator.avatar.model_loading import configured_model
    from navigator.config import load_config

    model = getattr(args, "model", None)
    renderer = getattr(args, "renderer", None)
    if model is None or renderer is None:
        try:
            config = load_config(getattr(args, "config", None))
        except UserError:
            if getattr(args, "config", None):
                raise
            config = None
        if model is None and config is not None:
            model = configured_model(config.resolve(config.paths.avatar))
        if renderer is None:
            display = getattr(config, "display", None)
            renderer = getattr(display, "renderer", "auto")
    return model, renderer or "auto"


def snapshot(args) -> int:
    from PIL import Image

    from navigator.avatar.stage import AvatarStage

    size = parse_size(args.size)
    out = Path(args.out)
    if not out.parent.exists():
        raise UserError(f"--out {out}: folder {out.parent} does not exist")
    model, renderer = _model_and_renderer(args)
    framing = "portrait" if size[1] > size[0] else "landscape"
    with AvatarStage(size=size, renderer=renderer, framing=framing) as stage:
        guide = stage.add_avatar(model)
        if guide.load_warning:
            print(f"navigator: {guide.load_warning}", file=sys.stderr)
        elif guide.missing:
            print(f"navigator: {model}: this model has no {'; no '.join(guide.missing)} "
                  "(those movements will not show)", file=sys.stderr)
        t = 0.5  # before the first idle blink
        if args.expression:
            guide.set_expression(args.expression, blend_s=0.0)
        if args.gesture:
            stage.render(t)
            t += guide.gesture(args.gesture) * 0.4
        if args.viseme:
            guide.set_viseme(args.viseme)
        if args.blink:
            guide.set_blink(1.0)
        frame = stage.render(t)
    try:
        Image.fromarray(frame).save(out)
    except (ValueError, OSError) as exc:   # an unknown image type, a read-only folder
        raise UserError(f"--out {out}: cannot write the image ({exc})") from None
    note = f"; {stage.renderer_note}" if stage.renderer_note else ""
    print(f"wrote {out} ({size[0]}x{size[1]}, {stage.renderer}{note})")
    return 0


def bench(args) -> int:
    """Render frames with lip-sync and blinking active, copying each to RAM; print fps and frame times."""
    from voice.lipsync_types import MouthCue

    from navigator.avatar.stage import AvatarStage

    size = parse_size(args.size)
    if args.frames < 1:
        raise UserError("--frames must be at least 1")
    model, renderer = _model_and_renderer(args)
    visemes = ["a", "i", "u", "e", "o", "closed"]
    cues = [MouthCue(i * 0.12, i * 0.12 + 0.1, visemes[(i * 7) % 6], 0.9) for i in range(2000)]
    with AvatarStage(size=size, renderer=renderer) as stage:
        guide = stage.add_avatar(model)
        guide.play_mouth_cues(cues, start_at=0.0)
        guide.set_expression("happy", 0.5, blend_s=1.0)
        step = 1 / 30
        for i in range(3):  # warm-up
            stage.render(i * step)
        times = []
        cpu_started = time.process_time()
        started = time.perf_counter()
        for i in range(args.frames):
            t0 = time.perf_counter()
            frame = stage.render(1.0 + i * step)  # includes the copy into a numpy RGB array
            times.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        figures = {
            "fps": round(args.frames / total, 1),
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000, 2),
            "cpu_ms": round(cpu / args.frames * 1000, 2),  # this process's CPU per frame (load-independent)
            "frames": args.frames,
            "size": f"{size[0]}x{size[1]}",
            "renderer": stage.renderer,
            "model": "built-in guide" if guide.builtin else str(model),
            "frame_shape": list(frame.shape),
        }
        if stage.renderer_note:
            figures["note"] = stage.renderer_note
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['fps']} fps at {figures['size']} ({figures['renderer']}), "
              f"median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms per frame (render + copy to RAM)")
    return 0
