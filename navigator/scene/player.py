"""ScenePlayer: a validated scene played on the avatar stage, frame by frame at any time t.

`prepare()` synthesizes the lines (cached) and places every cue on the timeline; it touches no
Panda3D, so it may run off the UI thread. The stage is created on the first `frame(t)` call, on
the calling thread (the Qt main thread in the kiosk). `frame(t)` is deterministic in t: the same
t gives the same picture, so fixed-step video export and seeking in the preview both work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from navigator.scene.messages import message
from navigator.scene.mix import MIX_RATE, mix
from navigator.scene.model import LoadedScene, SceneError
from navigator.scene.overlay import OverlayPainter
from navigator.scene.timeline import SceneState, Timeline, music_gain, state_at
from voice.audio import Audio, AudioFileError, read_wav
from voice.interfaces import Speech, TextToSpeech

SEEK_S = 0.25            # a step longer than this (or backwards) between frames is a seek
LOOK_TARGETS = {"camera": "visitor", "left": "left", "right": "right"}


class ScenePlayer:
    """Plays one scene: `prepare()`, then `frame(t)` for pictures and `audio()` for the soundtrack."""

    def __init__(self, scene: LoadedScene, size: tuple[int, int] | None = None, tts: TextToSpeech | None = None,
                 subtitles: bool = True, renderer: str = "auto", cache: Path | None = None):
        self.scene = scene
        self.size = tuple(size or scene.scene.resolution)
        self.tts = tts
        self.renderer = renderer
        self.cache = cache
        self.painter = OverlayPainter(self.size, subtitles=subtitles)
        self.timeline: Timeline | None = None
        self.spoken: dict[int, Speech] = {}
        self.warnings: list[str] = []
        self._stage = None
        self._avatars: dict[str, object] = {}
        self._applied: dict[tuple[str, str], object] = {}
        self._gestures_started: set[int] = set()
        self._last_t = -1.0

    # --- preparation (no Panda3D) -----------------------------------------------------------------

    def prepare(self) -> None:
        """Synthesize the lines and resolve the timeline; SceneError when cues overlap with the real lengths."""
        from navigator.scene.lines import spoken_timeline
        from voice.tts import TtsError

        if self.tts is None:
            raise SceneError(f"{self.scene.path}: no text-to-speech engine was given to the player")
        try:
            self.spoken, self.timeline = spoken_timeline(self.scene, self.tts, self.cache)
        except TtsError as exc:
            raise SceneError(f"{self.scene.path}: {exc}") from None

    @property
    def duration(self) -> float:
        return self._timeline().duration

    def _timeline(self) -> Timeline:
        if self.timeline is None:
            self.prepare()
        return self.timeline

    def state(self, t: float) -> SceneState:
        return state_at(self.scene, self._timeline(), t)

    def audio(self) -> Audio:
        """The mixed soundtrack (48 kHz mono): every line at its time over the music."""
        from navigator.scene.model import LineCue

        timeline = self._timeline()
        lines = [(item.start, self.spoken[item.index].audio) for item in timeline.of_type(LineCue)]
        music = None
        if self.scene.scene.stage.music:
            try:
                music = read_wav(self.scene.asset(self.scene.scene.stage.music), MIX_RATE)
            except AudioFileError as exc:
                raise SceneError(f"{self.scene.where()}: {exc}") from None
        return mix(timeline.duration, lines, music, lambda times: music_gain(self.scene, timeline, times))

    # --- the stage (Panda3D, on the calling thread) -----------------------------------------------

    def _open_stage(self):
        from navigator.avatar.stage import AvatarStage

        stage_def = self.scene.scene.stage
        background = stage_def.background if isinstance(stage_def.background, str) else tuple(stage_def.background)
        stage = AvatarStage(size=self.size, renderer=self.renderer, background=background, framing="landscape")
        try:
            for member in self.scene.scene.cast:
                model = None if member.model == "builtin" else str(self.scene.asset(member.model))
                avatar = stage.add_avatar(model=model, name=member.name, position=tuple(member.position),
                                          heading=member.heading)
                if getattr(avatar, "load_warning", None):
                    self.warnings.append(f"{self.scene.path}: {member.name}: {avatar.load_warning}")
                self._avatars[member.name] = avatar
            if stage_def.environment:
                try:
                    stage.add_environment(self.scene.asset(stage_def.environment))
                except Exception as exc:  # a broken file must not stop the scene: it plays on the background
                    self.warnings.append(f"{self.scene.path}: " + message(
                        self.scene.lang, "environment_failed", path=stage_def.environment, reason=exc))
            stage.set_light_colours(key=stage_def.key_light, ambient=stage_def.ambient_light)
        except Exception:
            stage.close()
            raise
        self._stage = stage
        return stage

    def frame(self, t: float) -> np.ndarray:
        """The picture at scene time t: (H, W, 3) uint8 RGB with titles and subtitles drawn."""
        state = self.state(t)
        stage = self._stage or self._open_stage()
        if not 0.0 <= t - self._last_t <= SEEK_S:
            # a seek: the gestures running at t start again from their cue's start, so the picture
            # is the same as when playing through (the avatar drops a gesture its time is outside of)
            self._gestures_started.clear()
        self._last_t = t
        self._apply(state)
        camera = state.camera
        stage.set_camera(position=camera.position, look_at=camera.look_at, fov=camera.fov)
        return self.painter.paint(stage.render(t), state.overlays)   # a new array each frame: painted in place

    def _set(self, name: str, what: str, value, apply) -> None:
        """Call `apply` only when the value changed since the last frame."""
        if self._applied.get((name, what), object()) != value:
            self._applied[(name, what)] = value
            apply()

    def _apply(self, state: SceneState) -> None:
        speaking = {item.cue.who: item for item in state.lines}
        for name, avatar in self._avatars.items():
            line = speaking.get(name)
            if line is not None:
                cues = self.spoken[line.index].cues
                self._set(name, "line", line.index, lambda a=avatar, c=cues, s=line.start: a.play_mouth_cues(c, start_at=s))
            else:
                self._set(name, "line", None, avatar.stop_speaking)
            expression = state.expressions[name]
            self._set(name, "expression", (expression.expression, expression.weight, expression.start),
                      lambda a=avatar, e=expression: a.set_expression(e.expression, weight=e.weight, blend_s=e.blend))
            target = state.looks.get(name, "camera")
            look = LOOK_TARGETS.get(target, target) if isinstance(target, str) else tuple(target)
            self._set(name, "look", look, lambda a=avatar, v=look: a.look_at(v))
        for item in state.gestures:
            if item.index not in self._gestures_started:
                self._gestures_started.add(item.index)
                # a gesture starts at stage.time: set it to the cue's start so it is in step even after a seek
                previous, self._stage.time = self._stage.time, item.start
                try:
                    self._avatars[item.cue.who].gesture(item.cue.gesture)
                finally:
                    self._stage.time = previous

    def close(self) -> None:
        if self._stage is not None:
            self._stage.close()
            self._stage = None
            self._avatars.clear()
            self._applied.clear()

    def __enter__(self) -> "ScenePlayer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
