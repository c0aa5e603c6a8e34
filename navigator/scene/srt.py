"""SubRip (.srt) subtitles from the scene's lines, written beside the MP4."""

from __future__ import annotations

from pathlib import Path

from navigator.scene.model import LineCue
from navigator.scene.timeline import Timeline


def timestamp(seconds: float) -> str:
    """SRT time: HH:MM:SS,mmm."""
    millis = max(0, int(round(seconds * 1000)))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def srt_text(timeline: Timeline, until: float | None = None) -> str:
    """One numbered entry per subtitled line, in time order, cut at `until` seconds."""
    entries = []
    for item in sorted(timeline.of_type(LineCue), key=lambda c: (c.start, c.index)):
        if not item.cue.subtitle or (until is not None and item.start >= until):
            continue
        end = min(item.end, until) if until is not None else item.end
        entries.append(f"{len(entries) + 1}\n{timestamp(item.start)} --> {timestamp(end)}\n{item.cue.text.strip()}\n")
    return "\n".join(entries)


def write_srt(path: Path | str, timeline: Timeline, until: float | None = None) -> Path:
    path = Path(path)
    path.write_text(srt_text(timeline, until), encoding="utf-8")
    return path
