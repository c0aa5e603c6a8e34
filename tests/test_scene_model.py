"""Scene files: parsing, and validation messages that name the file and line, in the config's language."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from navigator.scene.model import SceneError, load_scene
from tests.conftest import ROOT, run_cli

SCENES = ROOT / "scenes"
MINIMAL = """\
title = "テスト"
language = "ja"

[stage]
background = "studio"

[[cast]]
name = "sakura"
display_name = "職員 さくら"

[[cast]]
name = "taro"
position = [1.0, 0.5]

[[cues]]
type = "line"
who = "sakura"
text = "こんにちは。"
"""


def write(tmp_path: Path, text: str, name: str = "scene.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, lang: str = "ja") -> list[str]:
    with pytest.raises(SceneError) as caught:
        load_scene(path, lang=lang)
    return caught.value.problems


def line_number(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_a_scene_parses_into_typed_values(tmp_path):
    loaded = load_scene(write(tmp_path, MINIMAL), lang="ja")
    assert loaded.scene.title == "テスト"
    assert loaded.scene.resolution == (1280, 720) and loaded.scene.fps == 30
    assert [c.name for c in loaded.scene.cast] == ["sakura", "taro"]
    assert loaded.scene.cast[1].position == (1.0, 0.5, 0.0)  # [x, y] stands on the floor
    assert loaded.scene.cues[0].who == "sakura"


def test_shipped_scenes_validate():
    result = run_cli("scene", "check", *(str(p) for p in sorted(SCENES.glob("*.toml"))))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recruitment_pr.toml" in result.stdout and "kiosk_attract.toml" in result.stdout
    assert "Traceback" not in result.stderr


def test_appended_broken_cue_is_reported_with_file_and_line(tmp_path):
    scene = tmp_path / "recruitment_pr.toml"
    shutil.copy(SCENES / "recruitment_pr.toml", scene)
    for folder in ("music", "sets"):
        shutil.copytree(SCENES / folder, tmp_path / folder)
    lines_before = len(scene.read_text(encoding="utf-8").splitlines())
    with scene.open("a", encoding="utf-8") as file:
        file.write('\n[[cues]]\ntype = "gesture"\nwho = "sakura"\ngesture = "dance"\n')
    result = run_cli("scene", "check", str(scene))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{scene}:{lines_before + 5}: `gesture` = 'dance'" in result.stdout
    assert '"wave"' in result.stdout and '"bow"' in result.stdout  # says what is allowed


def test_unknown_key_names_it_and_suggests_the_closest(tmp_path):
    path = write(tmp_path, MINIMAL.replace('text = "こんにちは。"', 'txt = "こんにちは。"'))
    found = problems(path)
    assert f"{path}:{line_number(path, 'txt =')}: `txt` は使えないキーです。`text` のまちがいではありませんか？" in found
    assert f"{path}:{line_number(path, 'txt =') - 3}: `text` を書いてください（必須です）" in found
    english = problems(path, "en")
    assert f"{path}:{line_number(path, 'txt =')}: unknown key `txt`: did you mean `text`?" in english


def test_unknown_top_level_and_stage_keys(tmp_path):
    path = write(tmp_path, MINIMAL.replace('background = "studio"', 'backgrund = "studio"'))
    assert problems(path, "en") == [f"{path}:5: unknown key `backgrund`: did you mean `background`?"]


def test_wrong_types_say_what_is_expected(tmp_path):
    text = MINIMAL + '\n[[cues]]\ntype = "pause"\nduration = "3"\n\n[[cues]]\ntype = "title"\ntext = "x"\nbackdrop = 1\n'
    path = write(tmp_path, text)
    found = problems(path, "en")
    duration_line = line_number(path, 'duration = "3"')
    assert f"{path}:{duration_line}: `duration` must be a number (it is '3')" in found
    assert f"{path}:{line_number(path, 'backdrop = 1')}: `backdrop` must be true or false (it is 1)" in found
    japanese = problems(path, "ja")
    assert any("`duration` は数値で書いてください" in p for p in japanese)


def test_unknown_cue_type_suggests_one(tmp_path):
    path = write(tmp_path, MINIMAL.replace('type = "line"', 'type = "lines"'))
    found = problems(path, "en")
    assert len(found) == 1 and found[0].startswith(f"{path}:15: cue type \"lines\" is unknown: did you mean \"line\"?")


def test_missing_assets_name_the_path(tmp_path):
    text = MINIMAL.replace('background = "studio"', 'background = "studio"\nmusic = "music/none.ogg"')
    text = text.replace('name = "taro"', 'name = "taro"\nmodel = "avatars/taro.vrm"')
    path = write(tmp_path, text)
    found = problems(path, "ja")
    assert f"{path}:6: ファイル music/none.ogg が見つかりません（{tmp_path / 'music' / 'none.ogg'}）" in found
    assert any(p.startswith(f"{path}:{line_number(path, 'taro.vrm')}: ファイル avatars/taro.vrm") for p in found)


def test_unknown_cast_member_lists_the_cast(tmp_path):
    path = write(tmp_path, MINIMAL.replace('who = "sakura"', 'who = "hanako"'))
    assert problems(path, "en") == [f"{path}:{line_number(path, 'hanako')}: `hanako` is not in the cast (cast: sakura, taro)"]


def test_overlapping_lines_name_both_lines(tmp_path):
    text = MINIMAL + '\n[[cues]]\ntype = "line"\nwho = "sakura"\nat = 0.5\ntext = "重なるセリフです。"\n'
    path = write(tmp_path, text)
    found = problems(path, "en")
    first, second = 15, line_number(path, "at = 0.5") - 3
    assert len(found) == 1
    assert found[0].startswith(f"{path}:{second}: 職員 さくら's line (0.5-")
    assert f"overlaps 職員 さくら's line at line {first} (0.0-" in found[0]


def test_overlapping_camera_moves_name_both_lines(tmp_path):
    text = MINIMAL + ('\n[[cues]]\ntype = "camera"\nat = 1\nmove = "dolly"\nduration = 3\nlook_at = "sakura"\n'
                      '\n[[cues]]\ntype = "camera"\nat = 2\nmove = "orbit"\nduration = 2\nlook_at = "taro"\n')
    path = write(tmp_path, text)
    found = problems(path, "ja")
    first, second = line_number(path, "at = 1") - 2, line_number(path, "at = 2") - 2
    assert found == [f"{path}:{second}: この カメラの動き（2.0〜4.0秒）が {first} 行目の カメラの動き（1.0〜4.0秒）と重なっています"]


def test_toml_syntax_error_has_a_line(tmp_path):
    path = write(tmp_path, MINIMAL.replace('text = "こんにちは。"', 'text = "こんにちは。'))
    found = problems(path, "ja")
    assert found[0].startswith(f"{path}:{line_number(path, 'text =')}: TOMLの書き方に誤りがあります")


def test_messages_follow_the_kiosk_config_language(tmp_path):
    config = (ROOT / "kiosk_config.toml").read_text(encoding="utf-8").replace('default = "ja"', 'default = "en"', 1)
    write(tmp_path, config, "kiosk_config.toml")
    path = write(tmp_path, MINIMAL.replace('who = "sakura"', 'who = "sakra"'))
    english = run_cli("--config", str(tmp_path / "kiosk_config.toml"), "scene", "check", str(path))
    japanese = run_cli("scene", "check", str(path))
    assert english.returncode == japanese.returncode == 1
    assert f"{path}:17: `sakra` is not in the cast: did you mean `sakura`? (cast: sakura, taro)" in english.stdout
    assert f"{path}:17: `sakra` は出演者にいません。`sakura` のまちがいではありませんか？" in japanese.stdout


def test_missing_file_is_one_line_without_traceback(tmp_path):
    result = run_cli("scene", "check", str(tmp_path / "nothing.toml"))
    assert result.returncode == 1
    assert result.stdout.strip() == f"{tmp_path / 'nothing.toml'}: ファイルが見つかりません"
    assert "Traceback" not in result.stderr


def test_schema_file_is_current_and_lists_cue_types():
    from navigator.scene.schema import schema_text

    assert (SCENES / "scene.schema.json").read_text(encoding="utf-8") == schema_text(), \
        "run: .venv/bin/python -m navigator.scene.schema"
    assert '"const": "lower_third"' in schema_text()


def test_attract_files_are_the_marked_ones():
    from navigator.scene.model import attract_files

    assert [p.name for p in attract_files(SCENES)] == ["kiosk_attract.toml"]


def test_preview_without_a_display_says_so(tmp_path):
    env = {k: "" for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = run_cli("scene", "preview", str(SCENES / "kiosk_attract.toml"), env=env)
    assert result.returncode == 2
    assert "navigator scene render" in result.stderr and "Traceback" not in result.stderr


def test_shape_mistakes_get_one_message_per_key(tmp_path):
    text = (MINIMAL.replace("position = [1.0, 0.5]", "position = [1.0]").replace('title = "テスト"', 'title = "テスト"\nresolution = [1280]')
            + '\n[[cues]]\ntype = "camera"\nlook_at = [1, 2]\nposition = [0, -3, 1.5]\n')
    path = write(tmp_path, text)
    assert problems(path, "en") == [
        f"{path}:2: `resolution` = [1280] must be [width, height], e.g. [1280, 720]",
        f"{path}:{line_number(path, 'position = [1.0]')}: `position` = [1.0] must be [x, y, z] (three numbers, metres)",
        f"{path}:{line_number(path, 'look_at = [1, 2]')}: `look_at` = [1, 2] must be a cast name or [x, y, z]",
    ]


def test_missing_title_points_at_the_top_of_the_file(tmp_path):
    path = write(tmp_path, MINIMAL.replace('title = "テスト"\n', ""))
    assert problems(path, "ja") == [f"{path}:1: `title` を書いてください（必須です）"]
