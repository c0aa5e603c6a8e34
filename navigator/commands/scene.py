"""`navigator scene check | preview | render`: PR scenes for staff."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from navigator.commands.options import parse_size
from navigator.errors import UserError


def _config(args):
    from navigator.config import load_config

    return load_config(args.config)


def _tts(config):
    from navigator.speech import build_tts

    return build_tts(config)


def check(args) -> int:
    """Validate scene files; print each problem as `FILE:LINE: message`; exit 1 when there are any."""
    from navigator.scene.lines import spoken_timeline
    from navigator.scene.messages import config_language, message
    from navigator.scene.model import SceneError, load_scene
    from navigator.scene.timeline import resolve
    from voice.tts import TtsError

    config = _config(args)
    lang = config_language(config)
    tts = None
    failed = False
    for path in args.files:
        try:
            loaded = load_scene(path, lang=lang)
            if tts is None:
                tts = _tts(config)
            try:
                _, timeline = spoken_timeline(loaded, tts)
            except TtsError as exc:   # still checked, with line lengths estimated from the text
                print(message(lang, "estimated", path=path, reason=exc))
                timeline = resolve(loaded)
        except SceneError as exc:
            failed = True
            for problem in exc.problems:
                print(problem)
            continue
        print(message(lang, "ok", path=path, seconds=timeline.duration, cues=len(loaded.scene.cues)))
    return 1 if failed else 0


class Progress:
    """One line on stderr: percent, frames per second, time left."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = -1

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done == self._shown or (done < self.total and now - self._last < 0.25):
            return
        self._last, self._shown = now, done
        elapsed = max(now - self.started, 1e-6)
        fps = done / elapsed
        left = (self.total - done) / fps if fps > 0 else 0.0
        bar = "#" * int(30 * done / self.total)
        self.stream.write(f"\r[{bar:<30}] {100 * done / self.total:5.1f}%  {fps:5.1f} fps  ETA {left:5.1f} s ")
        self.stream.flush()

    def finish(self) -> float:
        self.update(self.total)
        self.stream.write("\n")
        return time.monotonic() - self.started


def render(args) -> int:
    """Render a scene to MP4 (H.264 + AAC) at a fixed time step, with a .srt beside it."""
    from navigator.scene.messages import config_language
    from navigator.scene.model import load_scene
    from navigator.scene.render import render_scene

    config = _config(args)
    loaded = load_scene(args.file, lang=config_language(config))
    size = (parse_size(args.size, smallest=64, largest=(3840, 2160), even=True) if args.size
            else tuple(loaded.scene.resolution))
    fps = loaded.scene.fps if args.fps is None else args.fps
    if not 1 <= fps <= 60:
        raise UserError(f"--fps {fps}: use 1-60")
    if args.seconds is not None and args.seconds <= 0:
        raise UserError(f"--seconds {args.seconds}: must be more than 0")
    out = Path(args.out)
    if out.suffix.lower() != ".mp4":
        raise UserError(f"{out}: the output must be an .mp4 file")
    if not out.parent.is_dir():
        raise UserError(f"{out}: the folder {out.parent} does not exist")
    result = render_scene(loaded, _tts(config), out, size=size, fps=fps, seconds=args.seconds,
                          subtitles=not args.no_subtitles, progress=Progress)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{result.path}: {result.seconds:.1f} s, {size[0]}x{size[1]} @ {fps} fps, rendered in {result.wall_s:.1f} s "
          f"({result.seconds / result.wall_s:.2f}x real time, CPU {result.cpu_s:.1f} s); subtitles: {result.srt}")
    return 0


def preview(args) -> int:
    """Open a window that plays the scene and reloads it when the file is saved."""
    from navigator.ui.scene_preview import run_preview

    config = _config(args)
    return run_preview(Path(args.file), config)
