"""The scene's timeline as pure functions: when each cue starts and ends, and what is true at time t.

`resolve` places every cue on the time axis (absolute `at`, in sequence after the previous cue,
or `with_previous`), with line lengths from a function (the synthesized audio, or an estimate).
`state_at` gives the camera pose (eased moves, orbits, cuts), who speaks, the subtitle, the
visible title cards, expressions, where people look, running gestures and the music gain.
Nothing here renders, speaks or reads files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from navigator.avatar.rig import GESTURE_SECONDS   # pure Python: how long the avatar plays each gesture
from navigator.scene.messages import message
from navigator.scene.model import (CameraCue, ExpressionCue, GestureCue, LineCue, LoadedScene, LookCue, LowerThirdCue,
                                   MusicCue, PauseCue, TitleCue, Vec3)

EYE_HEIGHT = 1.5             # metres: where a cast member's face is (the built-in guide's head is at ~1.56 m)
SHOT_DISTANCE = {"close": 1.3, "medium": 2.1, "wide": 3.8}
SHOT_DROP = {"close": 0.03, "medium": 0.22, "wide": 0.55}   # look a little below the eyes on wider shots
END_PADDING_S = 1.0
LineSeconds = Callable[[LineCue, str], float]


@dataclass(frozen=True)
class TimedCue:
    index: int          # position in the file's [[cues]] list
    cue: object
    start: float
    end: float


@dataclass(frozen=True)
class Timeline:
    cues: tuple[TimedCue, ...]
    duration: float

    def of_type(self, kind: type) -> list[TimedCue]:
        return [c for c in self.cues if isinstance(c.cue, kind)]


@dataclass(frozen=True)
class CameraPose:
    position: Vec3
    look_at: Vec3
    fov: float | None = None


@dataclass(frozen=True)
class OverlayItem:
    """A title card, lower third or subtitle on screen at some opacity."""

    kind: str           # "title" | "lower_third" | "subtitle"
    index: int          # the cue's index (overlay images are cached per cue)
    text: str
    subtitle: str
    alpha: float
    backdrop: bool = False


@dataclass(frozen=True)
class ExpressionState:
    expression: str
    weight: float
    start: float
    blend: float


@dataclass(frozen=True)
class SceneState:
    t: float
    camera: CameraPose
    overlays: tuple[OverlayItem, ...]
    expressions: dict[str, ExpressionState]
    looks: dict[str, object]
    gestures: tuple[TimedCue, ...]
    music_gain: float
    lines: tuple[TimedCue, ...] = field(default=())    # the lines being spoken at t, in file order

    @property
    def speaking(self) -> TimedCue | None:
        """The first line being spoken (its subtitle is shown)."""
        return self.lines[0] if self.lines else None

    @property
    def subtitle(self) -> str | None:
        return next((o.text for o in self.overlays if o.kind == "subtitle"), None)

    @property
    def titles(self) -> list[str]:
        return [o.text for o in self.overlays if o.kind in ("title", "lower_third")]


# --- cue times ------------------------------------------------------------------------------------

def line_language(loaded: LoadedScene, cue: LineCue) -> str:
    """The language a line is spoken in: its speaker's `voice`, else the scene's language."""
    member = next((c for c in loaded.scene.cast if c.name == cue.who), None)
    return (member.voice if member and member.voice else loaded.scene.language)


def spoken_text(cue: LineCue) -> str:
    return cue.speech or cue.text


def estimate_line_seconds(cue: LineCue, lang: str) -> float:
    """A rough spoken length when no speech was synthesized (for `check` without a voice)."""
    text = spoken_text(cue)
    pauses = len(re.findall(r"[、。！？,.!?]", text))
    if lang in ("ja", "easy_ja"):
        return 0.3 + 0.13 * len(re.sub(r"[\s、。！？「」『』（）]", "", text)) + 0.25 * pauses
    return 0.3 + 0.065 * len(text) + 0.2 * pauses


def cue_seconds(cue: object, line_seconds: float) -> float:
    """How long a cue lasts on the timeline (expressions and looks are instants)."""
    if isinstance(cue, LineCue):
        return line_seconds
    if isinstance(cue, (CameraCue, TitleCue, LowerThirdCue, PauseCue, MusicCue)):
        return 0.0 if isinstance(cue, CameraCue) and cue.move == "cut" else cue.duration
    if isinstance(cue, GestureCue):
        return GESTURE_SECONDS[cue.gesture]
    return 0.0


def resolve(loaded: LoadedScene, line_seconds: LineSeconds = estimate_line_seconds) -> Timeline:
    """Start and end of every cue, in file order.

    A cue with `at` starts then. A cue with `with_previous = true` starts with the cue before it.
    Any other cue starts when the previous group has finished: a group is a cue together with the
    `with_previous` cues that follow it (a line with its lower third and camera move, say), and it
    finishes when the longest of them does. `delay` is added in every case.
    """
    timed: list[TimedCue] = []
    previous: TimedCue | None = None
    group_end = 0.0
    for index, cue in enumerate(loaded.scene.cues):
        joins = cue.with_previous and cue.at is None and previous is not None
        if cue.at is not None:
            start = cue.at
        elif joins:
            start = previous.start
        else:
            start = group_end
        start += cue.delay
        spoken = line_seconds(cue, line_language(loaded, cue)) if isinstance(cue, LineCue) else 0.0
        previous = TimedCue(index, cue, start, start + cue_seconds(cue, spoken))
        group_end = max(group_end, previous.end) if joins else previous.end
        timed.append(previous)
    end = max((c.end for c in timed), default=0.0) + END_PADDING_S
    return Timeline(tuple(timed), loaded.scene.duration or end)


def overlap_problems(loaded: LoadedScene, timeline: Timeline) -> list[str]:
    """Cues that cannot share time: lines (voices and subtitles), camera moves, one person's gestures,
    titles, lower thirds, music fades; and cues after the scene's end. Each names both lines."""
    lang = loaded.lang
    problems: list[str] = []

    def clash(a: TimedCue, b: TimedCue) -> bool:
        """`a` comes first (by start, then file order)."""
        if a.start == b.start:
            # a cut just before a move, at the same time, sets where the move starts from
            return not (isinstance(a.cue, CameraCue) and a.end == a.start and b.end > b.start)
        return a.start < b.end and b.start < a.end

    def report(later: TimedCue, earlier: TimedCue, key: str, **values) -> None:
        values.update(start=later.start, end=later.end, other_start=earlier.start, other_end=earlier.end,
                      other_line=loaded.cue_line(earlier.index) or "?")
        problems.append(f"{loaded.where(later.index)}: " + message(lang, key, **values))

    def pairs(items: list[TimedCue], same=lambda a, b: True):
        ordered = sorted(items, key=lambda c: (c.start, c.index))
        for i, later in enumerate(ordered):
            for earlier in ordered[:i]:
                if same(earlier, later) and clash(earlier, later):
                    yield later, earlier

    for later, earlier in pairs(timeline.of_type(LineCue)):
        name = lambda c: loaded.cast_member(c.cue.who).display_name or c.cue.who
        if later.cue.who == earlier.cue.who:
            report(later, earlier, "overlap_line_same", who=name(later))
        else:
            report(later, earlier, "overlap_line", who=name(later), other_who=name(earlier))
    groups: list[tuple[str, list[TimedCue], Callable]] = [
        ("camera", timeline.of_type(CameraCue), lambda a, b: True),
        ("gesture", timeline.of_type(GestureCue), lambda a, b: a.cue.who == b.cue.who),
        ("title", timeline.of_type(TitleCue), lambda a, b: True),
        ("lower_third", timeline.of_type(LowerThirdCue), lambda a, b: True),
        ("music", timeline.of_type(MusicCue), lambda a, b: True),
    ]
    for kind, items, same in groups:
        for later, earlier in pairs(items, same):
            if kind == "camera" and earlier.index > later.index and earlier.start == later.start:
                later, earlier = earlier, later
            report(later, earlier, "overlap", kind=message(lang, "kind_" + kind))
    if loaded.scene.duration:
        for item in timeline.cues:
            if item.start >= loaded.scene.duration:
                problems.append(f"{loaded.where(item.index)}: " + message(
                    lang, "after_end", start=item.start, duration=loaded.scene.duration))
    return problems


# --- camera ---------------------------------------------------------------------------------------

def ease(kind: str, u: float) -> float:
    """Easing of a move's progress u in [0, 1]."""
    u = min(1.0, max(0.0, u))
    if kind == "in":
        return u * u
    if kind == "out":
        return 1.0 - (1.0 - u) ** 2
    if kind == "in_out":
        return 2 * u * u if u < 0.5 else 1.0 - 2 * (1.0 - u) ** 2
    return u


def face_of(loaded: LoadedScene, name: str) -> Vec3:
    x, y, z = loaded.cast_member(name).position
    return (x, y, z + EYE_HEIGHT)


def shot_pose(loaded: LoadedScene, cue: CameraCue) -> CameraPose:
    """The pose a camera cue ends at: its position, or a close/medium/wide shot of the person it looks at."""
    if isinstance(cue.look_at, str):
        face = face_of(loaded, cue.look_at)
        target = (face[0], face[1], face[2] - SHOT_DROP[cue.shot] + cue.height * 0.3)
    else:
        target = tuple(cue.look_at) if cue.look_at is not None else None
    if cue.position is not None:
        position = tuple(cue.position)
        if target is None:  # no look_at: keep looking straight ahead (+y)
            target = (position[0], position[1] + 1.0, position[2])
    else:
        member = loaded.cast_member(cue.look_at)  # validated: a cast name when there is no position
        heading = math.radians(member.heading + cue.angle)
        distance = SHOT_DISTANCE[cue.shot]
        face = face_of(loaded, cue.look_at)
        position = (face[0] + distance * math.sin(heading), face[1] - distance * math.cos(heading),
                    face[2] + cue.height)
    return CameraPose(tuple(float(v) for v in position), tuple(float(v) for v in target), cue.fov)


def default_pose(loaded: LoadedScene) -> CameraPose:
    """Before the first camera cue: a medium shot of the first cast member."""
    first = loaded.scene.cast[0].name
    return shot_pose(loaded, CameraCue(type="camera", look_at=first, shot="medium"))


def _lerp(a: Vec3, b: Vec3, u: float) -> Vec3:
    return tuple(x + (y - x) * u for x, y in zip(a, b))


def _orbit(a: CameraPose, b: CameraPose, u: float) -> Vec3:
    """Position on a circle around the end target: angle, radius and height interpolated."""
    cx, cy, _ = b.look_at
    ra, rb = math.hypot(a.position[0] - cx, a.position[1] - cy), math.hypot(b.position[0] - cx, b.position[1] - cy)
    aa, ab = math.atan2(a.position[1] - cy, a.position[0] - cx), math.atan2(b.position[1] - cy, b.position[0] - cx)
    turn = (ab - aa + math.pi) % (2 * math.pi) - math.pi   # the short way round
    angle, radius = aa + turn * u, ra + (rb - ra) * u
    return (cx + radius * math.cos(angle), cy + radius * math.sin(angle), a.position[2] + (b.position[2] - a.position[2]) * u)


def _blend(a: CameraPose, b: CameraPose, move: str, u: float) -> CameraPose:
    position = _orbit(a, b, u) if move == "orbit" else _lerp(a.position, b.position, u)
    fov = b.fov if a.fov is None or b.fov is None else a.fov + (b.fov - a.fov) * u
    return CameraPose(position, _lerp(a.look_at, b.look_at, u), fov)


def camera_at(loaded: LoadedScene, timeline: Timeline, t: float) -> CameraPose:
    """The camera at time t: each cue moves from where the camera was when it started."""
    pose = default_pose(loaded)
    for item in sorted(timeline.of_type(CameraCue), key=lambda c: (c.start, c.index)):
        if item.start > t:
            break
        target = shot_pose(loaded, item.cue)
        if item.cue.move == "cut" or item.end <= t or item.end <= item.start:
            pose = target
        else:
            pose = _blend(pose, target, item.cue.move, ease(item.cue.ease, (t - item.start) / (item.end - item.start)))
    return pose


# --- music ----------------------------------------------------------------------------------------

def music_breakpoints(loaded: LoadedScene, timeline: Timeline) -> tuple[list[float], list[float]]:
    """(times, gains) of the music volume: linear fades between them."""
    gain = loaded.scene.stage.music_volume
    times, gains = [0.0], [gain]
    for item in sorted(timeline.of_type(MusicCue), key=lambda c: (c.start, c.index)):
        times += [item.start, max(item.end, item.start + 1e-6)]
        gains += [gain, item.cue.volume]
        gain = item.cue.volume
    return times, gains


def music_gain(loaded: LoadedScene, timeline: Timeline, t: float | np.ndarray) -> float | np.ndarray:
    """The music volume at time(s) t."""
    times, gains = music_breakpoints(loaded, timeline)
    value = np.interp(t, times, gains)
    return float(value) if np.ndim(value) == 0 else value


# --- everything at time t -------------------------------------------------------------------------

def _fade(item: TimedCue, fade: float, t: float) -> float:
    if fade <= 0:
        return 1.0
    return max(0.0, min(1.0, (t - item.start) / fade, (item.end - t) / fade))


def state_at(loaded: LoadedScene, timeline: Timeline, t: float) -> SceneState:
    """What the scene shows and plays at time t (seconds)."""
    active = [c for c in timeline.cues if c.start <= t < c.end]
    lines = tuple(c for c in active if isinstance(c.cue, LineCue))
    speaking = lines[0] if lines else None
    overlays: list[OverlayItem] = []
    for item in active:
        cue = item.cue
        if isinstance(cue, TitleCue):
            overlays.append(OverlayItem("title", item.index, cue.text, cue.subtitle, _fade(item, cue.fade, t), cue.backdrop))
        elif isinstance(cue, LowerThirdCue):
            overlays.append(OverlayItem("lower_third", item.index, cue.text, cue.subtitle, _fade(item, cue.fade, t)))
    if speaking is not None and speaking.cue.subtitle:
        overlays.append(OverlayItem("subtitle", speaking.index, speaking.cue.text, "", 1.0))

    expressions = {m.name: ExpressionState(m.expression, 1.0, -math.inf, 0.0) for m in loaded.scene.cast}
    looks: dict[str, object] = {}
    look_starts: dict[str, float] = {}
    for item in timeline.cues:
        if item.start > t:
            continue
        if isinstance(item.cue, ExpressionCue):
            current = expressions[item.cue.who]
            if item.start >= current.start:
                expressions[item.cue.who] = ExpressionState(item.cue.expression, item.cue.weight, item.start, item.cue.blend)
        elif isinstance(item.cue, LookCue) and item.start >= look_starts.get(item.cue.who, -math.inf):
            looks[item.cue.who], look_starts[item.cue.who] = item.cue.target, item.start
    gestures = tuple(c for c in active if isinstance(c.cue, GestureCue))
    return SceneState(t=t, camera=camera_at(loaded, timeline, t), overlays=tuple(overlays),
                      expressions=expressions, looks=looks, gestures=gestures,
                      music_gain=music_gain(loaded, timeline, t), lines=lines)
