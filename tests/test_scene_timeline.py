"""The scene timeline as pure functions: cue times, camera moves, subtitles, titles, music gain."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from navigator.scene.model import load_scene
from navigator.scene.srt import srt_text
from navigator.scene.timeline import EYE_HEIGHT, SHOT_DISTANCE, camera_at, ease, resolve, state_at

SCENE = """\
title = "timeline"

[stage]
music_volume = 0.4

[[cast]]
name = "a"
display_name = "Aさん"

[[cast]]
name = "b"
position = [2, 1, 0]

[[cues]]        # 0
type = "camera"
position = [0, -4, 1.5]
look_at = [0, 0, 1.5]

[[cues]]        # 1: 0-2 s
type = "line"
who = "a"
text = "one"

[[cues]]        # 2: with the line, 0-3 s: the group ends at 3
type = "lower_third"
with_previous = true
text = "Aさん"
duration = 3
fade = 0.5

[[cues]]        # 3: after the group + 0.5 s: 3.5-5.5
type = "line"
who = "b"
delay = 0.5
text = "two"

[[cues]]        # 4: 5.5-9.5
type = "camera"
move = "dolly"
duration = 4
ease = "linear"
position = [4, -4, 1.5]
look_at = [0, 0, 1.5]

[[cues]]        # 5: 9.5-11.5
type = "camera"
move = "orbit"
duration = 2
look_at = "a"
shot = "medium"
angle = 90

[[cues]]        # 6
type = "expression"
at = 4
who = "a"
expression = "surprised"

[[cues]]        # 7: 6-8
type = "music"
at = 6
volume = 0.0
duration = 2
"""

LENGTHS = {"one": 2.0, "two": 2.0}


@pytest.fixture
def scene(tmp_path: Path):
    path = tmp_path / "t.toml"
    path.write_text(SCENE, encoding="utf-8")
    return load_scene(path, lang="en")


@pytest.fixture
def timeline(scene):
    return resolve(scene, lambda cue, lang: LENGTHS[cue.text])


def test_cue_times_in_sequence_with_previous_and_at(timeline):
    times = [(round(c.start, 3), round(c.end, 3)) for c in timeline.cues]
    assert times == [(0, 0), (0, 2), (0, 3), (3.5, 5.5), (5.5, 9.5), (9.5, 11.5), (4, 4), (6, 8)]
    assert timeline.duration == pytest.approx(12.5)   # last end + 1 s


def test_line_lengths_come_from_the_given_function(scene):
    longer = resolve(scene, lambda cue, lang: 5.0)
    assert [round(c.start, 3) for c in longer.cues[:5]] == [0, 0, 0, 5.5, 10.5]


def test_who_speaks_and_subtitles(scene, timeline):
    assert state_at(scene, timeline, 1.0).speaking.cue.who == "a"
    assert state_at(scene, timeline, 1.0).subtitle == "one"
    assert state_at(scene, timeline, 2.5).speaking is None and state_at(scene, timeline, 2.5).subtitle is None
    assert state_at(scene, timeline, 4.0).subtitle == "two"


def test_lower_third_fades_in_and_out(scene, timeline):
    def alpha(t):
        return next(o.alpha for o in state_at(scene, timeline, t).overlays if o.kind == "lower_third")

    assert alpha(0.25) == pytest.approx(0.5)
    assert alpha(1.5) == 1.0
    assert alpha(2.75) == pytest.approx(0.5)
    assert all(o.kind != "lower_third" for o in state_at(scene, timeline, 3.2).overlays)


def test_dolly_moves_with_easing(scene, timeline):
    assert camera_at(scene, timeline, 5.0).position == pytest.approx((0, -4, 1.5))
    assert camera_at(scene, timeline, 7.5).position == pytest.approx((2, -4, 1.5))  # linear: halfway
    assert camera_at(scene, timeline, 9.5).position == pytest.approx((4, -4, 1.5))
    assert ease("in_out", 0.25) == pytest.approx(0.125) and ease("in_out", 0.5) == pytest.approx(0.5)
    assert ease("in", 0.5) == pytest.approx(0.25) and ease("out", 0.5) == pytest.approx(0.75)


def test_orbit_circles_the_person_and_ends_on_the_shot(scene, timeline):
    face = (0.0, 0.0, EYE_HEIGHT)
    end = camera_at(scene, timeline, 12.0)
    # angle 90: to the person's left (+x when they face the camera), at the medium distance
    assert end.position == pytest.approx((SHOT_DISTANCE["medium"], 0.0, EYE_HEIGHT), abs=1e-6)
    assert end.look_at[:2] == pytest.approx(face[:2])
    start_r = math.hypot(4, -4)
    middle = camera_at(scene, timeline, 10.5)
    radius = math.hypot(middle.position[0], middle.position[1])
    assert min(start_r, SHOT_DISTANCE["medium"]) < radius < start_r   # on the way round, not through the person
    assert abs(middle.position[0]) > 1.0


def test_expressions_and_music_gain(scene, timeline):
    assert state_at(scene, timeline, 3.9).expressions["a"].expression == "neutral"
    assert state_at(scene, timeline, 4.1).expressions["a"].expression == "surprised"
    assert state_at(scene, timeline, 5.0).music_gain == pytest.approx(0.4)
    assert state_at(scene, timeline, 7.0).music_gain == pytest.approx(0.2)
    assert state_at(scene, timeline, 9.0).music_gain == pytest.approx(0.0)


def test_srt_lists_the_lines(timeline):
    text = srt_text(timeline)
    assert text == "1\n00:00:00,000 --> 00:00:02,000\none\n\n2\n00:00:03,500 --> 00:00:05,500\ntwo\n"
    assert srt_text(timeline, until=4.0).endswith("00:00:03,500 --> 00:00:04,000\ntwo\n")
