"""The scene file format (TOML) as pydantic models, and `load_scene` with `FILE:LINE: message` problems.

A scene has a title, a stage, a cast and a list of cues. Every problem found while loading
(syntax, unknown keys, wrong types, missing files, unknown cast names, overlapping cues) is
reported as one line `FILE:LINE: message`, in Japanese or English (`navigator.scene.messages`).
Pure Python: no Panda3D, no Qt, no speech engine.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from navigator.avatar import rig   # pure Python: the avatar's controls
from navigator.errors import UserError
from navigator.scene.messages import config_language, message
from navigator.tomlfile import key_lines, read_toml

Vec3 = tuple[float, float, float]
Ease = Literal["linear", "in", "out", "in_out"]
Expression = Literal[rig.EXPRESSIONS]      # what the avatar can show and do
Gesture = Literal[rig.GESTURES]
MODEL_SUFFIXES = (".glb", ".gltf", ".vrm")
AUDIO_SUFFIXES = (".wav", ".ogg", ".flac")
BUILTIN_BACKGROUNDS = ("lobby", "sky", "studio")
HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class SceneError(UserError):
    """A scene file has problems; `problems` lists them as `FILE:LINE: message`."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _position(value: Any) -> Any:
    """[x, y] is accepted for a position on the floor (z = 0)."""
    if isinstance(value, list) and len(value) == 2:
        return (*value, 0.0)
    return tuple(value) if isinstance(value, list) else value


# --- stage and cast -------------------------------------------------------------------------------

class Stage(_Strict):
    """Where the scene plays: a built-in background or colours, an optional glTF set, lights and music."""

    background: str | tuple[str, str] = Field(
        "lobby", description='"lobby", "sky", "studio", a colour "#rrggbb", or ["#top", "#bottom"] for a gradient')
    environment: str | None = Field(None, description="a glTF/GLB model placed around the cast (path relative to the scene file)")
    key_light: str | None = Field(None, pattern=HEX_COLOUR, description="colour of the main light, e.g. \"#fff4e0\"")
    ambient_light: str | None = Field(None, pattern=HEX_COLOUR, description="colour of the soft fill light, e.g. \"#404858\"")
    music: str | None = Field(None, description="background music file (WAV/OGG/FLAC, relative to the scene file); it loops")
    music_volume: float = Field(0.3, ge=0, le=1, description="music volume at the start, 0-1")

    @field_validator("background")
    @classmethod
    def _background(cls, value):
        values = [value] if isinstance(value, str) else list(value)
        for item in values:
            if isinstance(value, str) and item in BUILTIN_BACKGROUNDS:
                continue
            if not re.match(HEX_COLOUR, item):
                raise ValueError("background")
        return value


class CastMember(_Strict):
    """A person on the stage: the built-in guide or a VRM/GLB/glTF file."""

    name: str = Field(min_length=1, pattern=r"^[^\s]+$", description="the name cues use (no spaces), e.g. \"sakura\"")
    display_name: str = Field("", description="shown on lower thirds and subtitles, e.g. 「職員 さくら」")
    model: str = Field("builtin", description='"builtin" or a .vrm/.glb/.gltf file (relative to the scene file)')
    position: Annotated[Vec3, Field(description="[x, y, z] in metres (x right, y away from the default camera, z up)")] = (0.0, 0.0, 0.0)
    heading: float = Field(0.0, description="degrees; 0 faces the default camera")
    expression: Expression = "neutral"
    voice: Literal["ja", "en", "easy_ja"] | None = Field(None, description="language of this person's lines (default: the scene's)")

    _pos = field_validator("position", mode="before")(_position)


# --- cues -----------------------------------------------------------------------------------------

class _Cue(_Strict):
    at: float | None = Field(None, ge=0, description="start time in seconds; leave out to start when the previous cue (with the cues that go with it) has finished")
    with_previous: bool = Field(False, description="start together with the previous cue; the next cue waits for both")
    delay: float = Field(0.0, ge=0, description="seconds to wait before starting (after the previous cue, or after `at`)")


class LineCue(_Cue):
    """A cast member says `text`: spoken with the kiosk's voice, lip-synced and subtitled."""

    type: Literal["line"]
    who: str = Field(description="a cast name")
    text: str = Field(min_length=1, description="what is said (also the subtitle)")
    speech: str | None = Field(None, description="what the voice reads instead of `text` (for names read differently)")
    subtitle: bool = True


class CameraCue(_Cue):
    """A camera shot: cut, dolly (straight move) or orbit (around the subject), with easing."""

    type: Literal["camera"]
    move: Literal["cut", "dolly", "orbit"] = "cut"
    duration: float = Field(0.0, ge=0, description="seconds the move takes (a cut takes 0)")
    ease: Ease = "in_out"
    position: Annotated[Vec3 | None, Field(description="[x, y, z] of the camera; or leave out and use `shot`")] = None
    look_at: str | Vec3 | None = Field(None, description="a cast name (looks at the face) or [x, y, z]")
    shot: Literal["close", "medium", "wide"] = Field("medium", description="distance from the `look_at` person when no position is given")
    angle: float = Field(0.0, ge=-180, le=180, description="degrees around the person for `shot` (positive: to their left)")
    height: float = Field(0.0, ge=-2, le=5, description="metres above eye level for `shot`")
    fov: float | None = Field(None, gt=5, lt=120, description="vertical field of view in degrees")

    _pos = field_validator("position", mode="before")(_position)


class GestureCue(_Cue):
    type: Literal["gesture"]
    who: str
    gesture: Gesture


class ExpressionCue(_Cue):
    type: Literal["expression"]
    who: str
    expression: Expression
    weight: float = Field(1.0, ge=0, le=1)
    blend: float = Field(0.3, ge=0, le=5, description="seconds to blend into it")


class LookCue(_Cue):
    type: Literal["look"]
    who: str
    target: str | Vec3 = Field(description='"camera", "left", "right", a cast name, or [x, y, z]')


class TitleCue(_Cue):
    """A full title card, e.g. 「町田市職員採用 2027」, fading in and out."""

    type: Literal["title"]
    text: str = Field(min_length=1)
    subtitle: str = ""
    duration: float = Field(3.0, gt=0)
    fade: float = Field(0.5, ge=0, le=3)
    backdrop: bool = Field(True, description="darken the picture behind the title")


class LowerThirdCue(_Cue):
    """A name band in the lower third of the picture."""

    type: Literal["lower_third"]
    text: str = Field(min_length=1)
    subtitle: str = ""
    duration: float = Field(4.0, gt=0)
    fade: float = Field(0.3, ge=0, le=3)


class PauseCue(_Cue):
    type: Literal["pause"]
    duration: float = Field(gt=0)


class MusicCue(_Cue):
    """Fade the music to `volume` over `duration` seconds."""

    type: Literal["music"]
    volume: float = Field(ge=0, le=1)
    duration: float = Field(2.0, ge=0)


Cue = Annotated[Union[LineCue, CameraCue, GestureCue, ExpressionCue, LookCue, TitleCue, LowerThirdCue, PauseCue, MusicCue],
                Field(discriminator="type")]
CUE_TYPES: dict[str, type[_Cue]] = {c.model_fields["type"].annotation.__args__[0]: c  # type: ignore[union-attr]
                                    for c in get_args(get_args(Cue)[0])}


class Scene(_Strict):
    """A PR scene: see scenes/README.md."""

    title: str = Field(min_length=1)
    language: Literal["ja", "en", "easy_ja"] = "ja"
    resolution: tuple[Annotated[int, Field(ge=64, le=3840)], Annotated[int, Field(ge=64, le=2160)]] = (1280, 720)
    fps: int = Field(30, ge=1, le=60)
    duration: float | None = Field(None, gt=0, description="length in seconds (default: the end of the last cue + 1 s)")
    attract: bool = Field(False, description="the kiosk may play this scene when nobody is there")
    stage: Stage = Stage()
    cast: list[CastMember] = Field(min_length=1)
    cues: list[Cue] = Field(default_factory=list)


# --- the loaded scene -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadedScene:
    """A validated scene with where it came from: its file, its text (for line numbers) and its message language."""

    scene: Scene
    path: Path
    text: str
    lang: str = "ja"

    def asset(self, name: str) -> Path:
        """A path written in the scene, resolved against the scene file's folder."""
        path = Path(name).expanduser()
        return path if path.is_absolute() else (self.path.parent / path).resolve()

    def cue_line(self, index: int) -> int | None:
        return key_lines(self.text).get(("cues", index))

    def where(self, index: int | None = None, key: str | None = None) -> str:
        """`FILE:LINE` of a cue (or of one of its keys)."""
        if index is None:
            return str(self.path)
        lines = key_lines(self.text)
        line = lines.get(("cues", index, key)) if key else None
        line = line or lines.get(("cues", index))
        return f"{self.path}:{line}" if line else str(self.path)

    def cast_member(self, name: str) -> CastMember:
        return next(c for c in self.scene.cast if c.name == name)


def attract_files(folder: Path | str) -> list[Path]:
    """The scene files in `folder` marked `attract = true` (for the kiosk's idle mode), sorted by name.
    Files that cannot be read are left out here; `load_scene` reports their problems."""
    import tomllib

    found = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            if tomllib.loads(path.read_text(encoding="utf-8")).get("attract") is True:
                found.append(path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
    return found


def message_language(config_path: Path | str | None = None) -> str:
    """The language of messages: kiosk_config.toml [language] default (Japanese when it cannot be read)."""
    try:
        from navigator.config import load_config

        config = load_config(config_path)
    except Exception:  # a broken config must not hide the scene's own problems
        return "ja"
    return config_language(config)


def load_scene(path: Path | str, lang: str | None = None, line_seconds=None, config_path: Path | str | None = None) -> LoadedScene:
    """Read and validate a scene file; raise SceneError listing every problem as `FILE:LINE: message`.

    `lang` chooses the language of the messages (default: the kiosk config's). `line_seconds`
    maps a LineCue to its spoken length (default: an estimate from the text) for the overlap check.
    """
    path = Path(path)
    lang = lang or message_language(config_path)
    data, text = _read(path, lang)
    try:
        scene = parse_scene(data)
    except ValidationError as exc:
        raise SceneError(validation_problems(exc, path, text, lang)) from None
    loaded = LoadedScene(scene, path, text, lang)
    problems = check_references(loaded)
    if not problems:
        from navigator.scene.timeline import estimate_line_seconds, overlap_problems, resolve

        timeline = resolve(loaded, line_seconds or estimate_line_seconds)
        problems = overlap_problems(loaded, timeline)
    if problems:
        raise SceneError(problems)
    return loaded


def parse_scene(data: dict) -> Scene:
    """Validate TOML data strictly: "3" is not a number and 1 is not true (TOML has real types)."""
    import json

    return Scene.model_validate_json(json.dumps(data, default=str), strict=True)


def _read(path: Path, lang: str) -> tuple[dict, str]:
    try:
        return read_toml(path, SceneError)
    except SceneError as exc:
        if lang == "ja":
            text = str(exc).replace(": file not found", ": ファイルが見つかりません")
            text = text.replace(": not valid TOML: ", ": TOMLの書き方に誤りがあります: ").replace(": cannot read: ", ": 読めません: ")
            raise SceneError(text) from None
        raise


# --- pydantic errors → people's messages ----------------------------------------------------------

_EXPECTED = {
    "float_type": "number", "float_parsing": "number", "int_type": "integer", "int_parsing": "integer",
    "int_from_float": "integer", "string_type": "text", "bool_type": "bool", "bool_parsing": "bool",
    "list_type": "list", "tuple_type": "list", "model_type": "table", "model_attributes_type": "table",
    "dict_type": "table", "finite_number": "number",
}


_UNION_MEMBER = re.compile(r"^(str|int|float|bool|none|tuple\[.*\]|list\[.*\]|function-.*)$")
FIELD_SHAPES = {"position": "shape_xyz", "look_at": "shape_look_at", "target": "shape_target",
                "background": "background", "resolution": "shape_resolution"}


def _clean_loc(loc: tuple) -> tuple[tuple, tuple | None]:
    """A location without pydantic's internal names: ("cues", 3, "line", "who") → ("cues", 3, "who").

    Also returns the field's own location when the error is about the field's shape (a member of
    `str | [x, y, z]`, or an item of a fixed-length list), else None."""
    out: list = []
    shape: tuple | None = None
    for i, part in enumerate(loc):
        if loc[0] == "cues" and i == 2 and part in CUE_TYPES:
            continue
        if isinstance(part, str) and _UNION_MEMBER.match(part):
            shape = shape or tuple(out)
            continue
        if isinstance(part, int) and out and out[-1] in FIELD_SHAPES:
            shape = shape or tuple(out)
        out.append(part)
    return tuple(out), shape


def _model_at(loc: tuple, data: Any) -> type[BaseModel] | None:
    """The model class whose keys are valid at `loc` (for "did you mean" suggestions)."""
    model: Any = Scene
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if model is Scene and part == "cues" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            try:
                cue_type = data["cues"][loc[i + 1]].get("type")
            except (KeyError, IndexError, TypeError, AttributeError):
                return None
            model = CUE_TYPES.get(cue_type)
            if model is None:
                return None
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return None
        model = _unwrap(fields[part].annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) in (list, tuple, Annotated, Union) or str(get_origin(annotation)) == "typing.Union":
        args = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        annotation = models[0] if models else args[0]
    return annotation


def valid_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def validation_problems(exc: ValidationError, path: Path, text: str, lang: str) -> list[str]:
    """One `FILE:LINE: message` per pydantic error, in `lang`."""
    lines = key_lines(text)
    import tomllib

    data = tomllib.loads(text)
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        loc, shape = _clean_loc(tuple(error["loc"]))
        line = _line(lines, shape or loc) or 1
        where = f"{path}:{line}"
        key = ".".join(str(p) for p in loc if isinstance(p, str)) or "(top level)"
        name = str(loc[-1]) if loc else key
        kind = error["type"]
        value = error.get("input")
        ctx = error.get("ctx") or {}
        if (shape and shape[-1] in FIELD_SHAPES) or (kind in _EXPECTED and name in FIELD_SHAPES):
            shape = shape if shape and shape[-1] in FIELD_SHAPES else loc
            field = shape[-1]
            value = _value_at(data, shape)
            text_ = message(lang, FIELD_SHAPES[field], key=field, value=value)
        elif kind == "extra_forbidden":
            model = _model_at(loc[:-1], data)
            close = difflib.get_close_matches(name, valid_keys(model), n=1, cutoff=0.5) if model else []
            text_ = message(lang, "unknown_key_suggest" if close else "unknown_key", key=name,
                            suggest=close[0] if close else "", valid=", ".join(valid_keys(model)) if model else "")
        elif kind == "missing":
            text_ = message(lang, "missing", key=name)
        elif kind == "union_tag_not_found":
            text_ = message(lang, "cue_type_missing", types=", ".join(CUE_TYPES))
        elif kind == "union_tag_invalid":
            close = difflib.get_close_matches(str(ctx.get("tag")), list(CUE_TYPES), n=1, cutoff=0.5)
            text_ = message(lang, "cue_type_unknown_suggest" if close else "cue_type_unknown", value=ctx.get("tag"), types=", ".join(CUE_TYPES),
                            suggest=close[0] if close else "")
        elif kind == "literal_error":
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            text_ = message(lang, "choice", key=name, value=value, choices=("、" if lang != "en" else ", ").join(
                f'"{c}"' for c in choices))
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
            text_ = message(lang, kind, key=name, value=value, bound=bound)
        elif kind in ("too_short", "too_long", "string_too_short"):
            if isinstance(value, str):
                text_ = message(lang, "empty_text", key=name)
            elif key.split(".")[-1] == "cast" and kind == "too_short":
                text_ = message(lang, "no_cast")
            else:
                text_ = message(lang, "list_length", key=name, value=value)
        elif kind == "string_pattern_mismatch":
            text_ = message(lang, "colour" if "#" in str(ctx.get("pattern", "")) else "no_spaces", key=name, value=value)
        elif kind == "value_error" and "background" in error["msg"]:
            text_ = message(lang, "background", key=name, value=value)
        elif kind in _EXPECTED:
            text_ = message(lang, "wrong_type", key=name, value=value, expected=message(lang, "type_" + _EXPECTED[kind]))
        else:
            text_ = f"{name}: {error['msg']}"
        problem = f"{where}: {text_}"
        if problem not in problems:
            problems.append(problem)
    return problems


def _value_at(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _line(lines: dict[tuple, int], loc: tuple) -> int | None:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


# --- files and names ------------------------------------------------------------------------------

def check_references(loaded: LoadedScene) -> list[str]:
    """Missing files (models, environment, music) and cues naming someone not in the cast."""
    scene, lang = loaded.scene, loaded.lang
    lines = key_lines(loaded.text)
    problems: list[str] = []

    def where(*loc) -> str:
        line = _line(lines, tuple(loc))
        return f"{loaded.path}:{line}" if line else str(loaded.path)

    def check_file(value: str, suffixes: tuple[str, ...], *loc) -> None:
        path = loaded.asset(value)
        if path.suffix.lower() not in suffixes:
            problems.append(f"{where(*loc)}: " + message(lang, "file_kind", path=value, kinds=", ".join(suffixes)))
        elif not path.is_file():
            problems.append(f"{where(*loc)}: " + message(lang, "file_missing", path=value, full=path))

    if scene.stage.environment:
        check_file(scene.stage.environment, MODEL_SUFFIXES, "stage", "environment")
    if scene.stage.music:
        check_file(scene.stage.music, AUDIO_SUFFIXES, "stage", "music")
    names: list[str] = []
    for i, member in enumerate(scene.cast):
        if member.name in names:
            problems.append(f"{where('cast', i, 'name')}: " + message(lang, "cast_twice", name=member.name))
        names.append(member.name)
        if member.model != "builtin":
            check_file(member.model, MODEL_SUFFIXES, "cast", i, "model")
    cast_list = ", ".join(names)

    def check_name(name: str, index: int, key: str) -> None:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
            problems.append(f"{where('cues', index, key)}: " + message(
                lang, "not_in_cast_suggest" if close else "not_in_cast", name=name, cast=cast_list,
                suggest=close[0] if close else ""))

    for i, cue in enumerate(scene.cues):
        if isinstance(cue, (LineCue, GestureCue, ExpressionCue, LookCue)):
            check_name(cue.who, i, "who")
        if isinstance(cue, CameraCue):
            if isinstance(cue.look_at, str):
                check_name(cue.look_at, i, "look_at")
            elif cue.position is None and cue.look_at is None:
                problems.append(f"{where('cues', i)}: " + message(lang, "camera_needs_target"))
            elif cue.position is None:
                problems.append(f"{where('cues', i)}: " + message(lang, "shot_needs_person"))
        if isinstance(cue, LookCue) and isinstance(cue.target, str) and cue.target not in ("camera", "left", "right"):
            check_name(cue.target, i, "target")
        if cue.at is not None and cue.with_previous:
            problems.append(f"{where('cues', i, 'with_previous')}: " + message(lang, "at_and_with_previous"))
    return problems
