"""Offscreen export: a scene rendered at a fixed time step to MP4 (H.264 + AAC) with a .srt beside it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from navigator.scene.model import LoadedScene
from navigator.scene.player import ScenePlayer
from navigator.scene.srt import write_srt
from navigator.scene.video import Mp4Writer


@dataclass(frozen=True)
class RenderResult:
    path: Path
    srt: Path
    seconds: float        # length of the video
    frames: int
    wall_s: float         # time the render took
    warnings: tuple[str, ...] = ()
    cpu_s: float = 0.0    # processor time of every thread (rendering, overlays, encoding)


def render_scene(loaded: LoadedScene, tts, out: Path | str, size: tuple[int, int] | None = None,
                 fps: int | None = None, seconds: float | None = None, subtitles: bool = True,
                 progress=None, renderer: str = "auto") -> RenderResult:
    """Render `loaded` to `out` (frames at t = i / fps, never real time); `progress(total)` makes a
    reporter with `update(done)` and `finish()`."""
    out = Path(out)
    fps = fps or loaded.scene.fps
    started, cpu_started = time.monotonic(), time.process_time()
    with ScenePlayer(loaded, size=size, tts=tts, subtitles=subtitles, renderer=renderer) as player:
        player.prepare()
        length = min(seconds, player.duration) if seconds else player.duration
        frames = max(1, int(round(length * fps)))
        length = frames / fps
        reporter = progress(frames) if progress else None
        writer = Mp4Writer(out, player.size, fps, player.audio())   # it cuts the audio at the last frame
        try:
            for i in range(frames):
                writer.write(player.frame(i / fps))
                if reporter:
                    reporter.update(i + 1)
        finally:
            writer.close()
        if reporter:
            reporter.finish()
        srt = write_srt(out.with_suffix(".srt"), player.timeline, until=length)
        warnings = tuple(player.warnings)
    return RenderResult(out, srt, length, frames, time.monotonic() - started, warnings,
                        time.process_time() - cpu_started)
