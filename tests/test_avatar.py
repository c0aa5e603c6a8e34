"""The 3D guide: faces that change where they should, lip-sync in time, models that load or fail clearly."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from PIL import Image

from conftest import run_cli
from voice.lipsync_types import MouthCue

from navigator.avatar.generate import HEAD_CENTER, write_guide
from navigator.avatar.stage import AvatarStage

SIZE = (640, 360)
T = 0.5  # before the first idle blink (1.5 s)


@pytest.fixture(scope="module")
def stage():
    with AvatarStage(size=SIZE, background="studio") as stage:
        stage.add_avatar(None)
        yield stage


@pytest.fixture
def guide(stage):
    guide = stage.avatars["guide"]
    guide.set_viseme(None)
    guide.set_blink(None)
    guide.stop_speaking()
    guide.set_expression("neutral", blend_s=0)
    yield guide


def head_point(x: float, y: float) -> tuple[float, float, float]:
    """Stage point on the front of the head, from head-local (x right, y up) metres (glTF -> Panda axes)."""
    cx, cy, _ = HEAD_CENTER
    return (x, -0.14, cy + y)


def box(stage, centre, half_w_m: float, half_h_m: float) -> tuple[slice, slice]:
    """Pixel rows/cols of a head-local rectangle, projected with the stage camera."""
    x, y = centre
    (x0, y0), (x1, y1) = stage.project(head_point(x - half_w_m, y + half_h_m)), \
        stage.project(head_point(x + half_w_m, y - half_h_m))
    return slice(int(y0), int(y1) + 1), slice(int(x0), int(x1) + 1)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30


def fraction_inside(mask: np.ndarray, regions) -> float:
    inside = np.zeros_like(mask)
    for rows, cols in regions:
        inside[rows, cols] = True
    return (mask & inside).sum() / max(mask.sum(), 1)


def mouth_box(stage):
    return box(stage, (0.0, -0.095), 0.05, 0.045)


def eye_boxes(stage):
    return [box(stage, (side * 0.058, -0.005), 0.048, 0.05) for side in (1, -1)]


def test_frame_is_rgb_top_down_and_shows_the_guide(stage, guide):
    frame = stage.render(T)
    assert frame.shape == (SIZE[1], SIZE[0], 3) and frame.dtype == np.uint8
    # Hair is dark at the top of the head, the studio backdrop light at the top corners.
    hair_row, hair_col = stage.project(head_point(0.0, 0.14))
    assert frame[int(hair_col), int(hair_row)].mean() < 90
    assert frame[2, 2].mean() > 180


@pytest.mark.parametrize("viseme", ["a", "o", "i"])
def test_visemes_open_the_mouth_and_nothing_else(stage, guide, viseme):
    rest = stage.render(T)
    guide.set_viseme(viseme)
    shaped = stage.render(T)
    mask = changed(rest, shaped)
    assert mask.sum() > 150, f"viseme {viseme} changed only {mask.sum()} pixels"
    assert fraction_inside(mask, [mouth_box(stage)]) > 0.97
    # An open mouth shows its dark inside.
    rows, cols = mouth_box(stage)
    assert (shaped[rows, cols].mean(axis=2) < 110).sum() > (rest[rows, cols].mean(axis=2) < 110).sum() + 50


def test_visemes_a_and_o_differ(stage, guide):
    guide.set_viseme("a")
    a = stage.render(T)
    guide.set_viseme("o")
    o = stage.render(T)
    assert changed(a, o).sum() > 100


def test_blink_closes_both_eyes_only(stage, guide):
    rest = stage.render(T)
    guide.set_blink(1.0)
    closed = stage.render(T)
    mask = changed(rest, closed)
    assert fraction_inside(mask, eye_boxes(stage)) > 0.97
    for rows, cols in eye_boxes(stage):
        # The white of the eye is gone when the lid is down.
        def whites(frame):
            region = frame[rows, cols].astype(int)
            return ((region.min(axis=2) > 195) & (np.ptp(region, axis=2) < 25)).sum()

        white_before, white_after = whites(rest), whites(closed)
        assert white_before > 40 and white_after < white_before * 0.15


def test_smile_changes_mouth_and_cheeks_not_the_body(stage, guide):
    rest = stage.render(T)
    guide.set_expression("happy", blend_s=0)
    smile = stage.render(T)
    mask = changed(rest, smile)
    assert mask.sum() > 150
    face = box(stage, (0.0, -0.02), 0.15, 0.13)
    assert fraction_inside(mask, [face]) > 0.97
    assert changed(rest[mouth_box(stage)], smile[mouth_box(stage)]).sum() > 80


def test_expression_blends_smoothly(stage, guide):
    stage.render(T)
    rest = stage.render(T)
    guide.set_expression("surprised", blend_s=0.4)
    half = changed(rest, stage.render(T + 0.2)).sum()
    full = changed(rest, stage.render(T + 0.6)).sum()
    assert 0 < half < full


def test_mouth_cues_play_in_step_with_stage_time(stage, guide):
    times = (T + 0.1, T + 0.3, T + 0.8)
    silent = [stage.render(t) for t in times]
    guide.play_mouth_cues([MouthCue(0.20, 0.40, "a", 1.0), MouthCue(0.40, 0.55, "closed", 0.0)], start_at=T)
    before, during, after = (stage.render(t) for t in times)
    assert np.array_equal(before, silent[0])
    mask = changed(silent[1], during)
    assert mask.sum() > 150 and fraction_inside(mask, [mouth_box(stage)]) > 0.97
    assert np.array_equal(after, silent[2])


def test_blinks_happen_every_two_to_six_seconds_and_replay_identically():
    from navigator.avatar.animation import BlinkSchedule

    starts = [s for s in BlinkSchedule(seed=3).starts]
    schedule = BlinkSchedule(seed=3)
    closed_times = [t / 100 for t in range(0, 3000) if schedule.closure(t / 100) > 0.9]
    assert closed_times, "no blink in 30 s"
    gaps = np.diff(schedule.starts[: len(schedule.starts) - 2])
    assert gaps.min() >= 2.0 and gaps.max() <= 6.0
    assert BlinkSchedule(seed=3).starts[:1] == starts[:1]
    again = BlinkSchedule(seed=3)
    assert [again.closure(t) for t in closed_times] == [schedule.closure(t) for t in closed_times]


def test_render_at_fixed_times_is_deterministic():
    frames = []
    for _ in range(2):
        with AvatarStage(size=(320, 180)) as stage:
            guide = stage.add_avatar(None)
            guide.play_mouth_cues([MouthCue(0.0, 0.3, "o", 1.0)], start_at=1.0)
            guide.gesture("nod")
            frames.append([stage.render(t / 10) for t in range(0, 25, 3)])
    for a, b in zip(*frames):
        assert np.array_equal(a, b)


def test_wave_raises_the_arm_on_the_screen_left(stage, guide):
    idle_after = stage.render(13.0)
    stage.render(10.0)
    duration = guide.gesture("wave")
    assert 1.5 < duration < 5
    peak = stage.render(10.0 + duration * 0.4)
    assert np.array_equal(idle_after, stage.render(13.0))  # over: back to the idle pose
    mask = changed(stage.render(10.0 + duration * 0.4), peak)  # the same moment without the gesture
    arm_side, other_side = mask[:, : SIZE[0] * 3 // 8].sum(), mask[:, SIZE[0] * 5 // 8:].sum()
    assert arm_side > 2000 and arm_side > 5 * other_side


def test_look_at_qr_turns_the_head_towards_it(stage, guide):
    stage.render(20.0)
    front = stage.render(20.0)
    guide.look_at("qr", blend_s=0.2)
    turned = stage.render(20.5)
    guide.look_at("visitor", blend_s=0.0)
    stage.render(21.0)
    # Face pixels (skin) shift towards screen right, where the QR code is.
    rows, cols = box(stage, (0.0, 0.0), 0.2, 0.15)

    def skin_centre(frame):
        region = frame[rows, cols].astype(int)
        skin = (region[..., 0] > 200) & (region[..., 1] > 160) & (region[..., 2] > 130) & (region[..., 2] < 215)
        return np.nonzero(skin)[1].mean()

    assert skin_centre(turned) > skin_centre(front) + 3


@pytest.mark.parametrize("variant", ["vrm0", "vrm1"])
def test_vrm_style_names_map_to_the_same_controls(tmp_path, variant):
    path = write_guide(tmp_path / f"vroid_{variant}.vrm", variant)
    with AvatarStage(size=SIZE, background="studio") as stage:
        guide = stage.add_avatar(path)
        assert guide.load_warning is None and not guide.builtin
        assert guide.mapping.kind == {"vrm0": "VRM 0.x", "vrm1": "VRM 1.0"}[variant]
        assert set(guide.controls) >= {"a", "i", "u", "e", "o", "blink", "blink_l", "blink_r", "happy"}
        assert {"head", "neck", "rightUpperArm"} <= set(guide.bones)
        rest = stage.render(T)
        guide.set_viseme("a")
        open_mouth = stage.render(T)
        mask = changed(rest, open_mouth)
        assert mask.sum() > 150 and fraction_inside(mask, [mouth_box(stage)]) > 0.97


def test_plain_glb_with_vroid_morph_names_maps_by_name(tmp_path):
    from navigator.avatar.generate import build_gltf, glb_bytes

    gltf, blob = build_gltf("vrm0")
    del gltf["extensions"], gltf["extensionsUsed"]  # no VRM tables: names alone must do
    path = tmp_path / "named.glb"
    path.write_bytes(glb_bytes(gltf, blob))
    with AvatarStage(size=(320, 180)) as stage:
        guide = stage.add_avatar(path)
        assert guide.load_warning is None
        assert set(guide.controls) >= {"a", "o", "blink", "happy", "sad", "surprised"}
        assert "head" in guide.bones


def _truncated_glb(tmp_path):
    good = write_guide(tmp_path / "good.glb").read_bytes()
    path = tmp_path / "truncated.glb"
    path.write_bytes(good[: len(good) // 3])
    return path


def _json_without_meshes(tmp_path):
    path = tmp_path / "empty.gltf"
    path.write_text(json.dumps({"asset": {"version": "2.0"}, "scenes": [{"nodes": []}]}))
    return path


def _random_bytes(tmp_path):
    path = tmp_path / "noise.vrm"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    return path


def _bad_glb_header(tmp_path):
    path = tmp_path / "header.glb"
    path.write_bytes(b"glTF" + struct.pack("<II", 2, 10_000) + b"\0" * 30)
    return path


def _draco_compressed(tmp_path):
    from navigator.avatar.generate import build_gltf, glb_bytes

    gltf, blob = build_gltf("guide")
    gltf["extensionsRequired"] = gltf["extensionsUsed"] = ["KHR_draco_mesh_compression"]
    path = tmp_path / "draco.glb"
    path.write_bytes(glb_bytes(gltf, blob))
    return path


@pytest.mark.parametrize("make, reason", [
    (_draco_compressed, "without mesh compression"),
    (_truncated_glb, "truncated"), (_json_without_meshes, "no meshes"), (_random_bytes, "not a readable"),
    (_bad_glb_header, "truncated"), (lambda tmp: tmp / "missing.vrm", "not found"),
    (lambda tmp: (tmp / "model.fbx").write_text("x") and tmp / "model.fbx", "use a .glb"),
])
def test_broken_model_gives_a_clear_warning_and_the_builtin_guide(tmp_path, make, reason):
    path = make(tmp_path)
    with AvatarStage(size=(320, 180)) as stage:
        guide = stage.add_avatar(path)
        assert guide.builtin
        assert guide.load_warning and str(path) in guide.load_warning and reason in guide.load_warning
        assert "\n" not in guide.load_warning
        assert "a" in guide.controls
        assert stage.render(T).mean() > 10


def test_snapshot_cli_writes_the_requested_image(tmp_path):
    rest, vis = tmp_path / "rest.png", tmp_path / "a.png"
    for out, extra in ((rest, []), (vis, ["--viseme", "a"])):
        result = run_cli("avatar", "snapshot", "--out", str(out), "--size", "480x270", *extra)
        assert result.returncode == 0, result.stderr
    a, b = np.asarray(Image.open(rest)), np.asarray(Image.open(vis))
    assert a.shape == (270, 480, 3)
    assert 100 < changed(a, b).sum() < 5000


def test_snapshot_cli_names_an_output_it_cannot_write(tmp_path):
    result = run_cli("avatar", "snapshot", "--out", str(tmp_path / "guide.xyz"), "--size", "64x64")
    assert result.returncode == 2
    assert "guide.xyz: cannot write the image (unknown file extension: .xyz)" in result.stderr
    assert "internal error" not in result.stderr


def test_snapshot_cli_reports_a_broken_model_and_still_draws(tmp_path):
    bad = tmp_path / "broken.glb"
    bad.write_bytes(b"glTF\x02\x00\x00\x00garbage")
    out = tmp_path / "out.png"
    result = run_cli("avatar", "snapshot", "--out", str(out), "--size", "320x180", "--model", str(bad))
    assert result.returncode == 0 and out.exists()
    assert "broken.glb" in result.stderr and "built-in guide" in result.stderr


def test_bench_cli_prints_figures():
    result = run_cli("avatar", "bench", "--frames", "5", "--size", "320x180", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["fps"] > 0 and figures["median_ms"] > 0 and figures["renderer"] == "tinydisplay"
    assert figures["size"] == "320x180"


def test_avatar_package_imports_no_qt(tmp_path):
    """navigator.avatar is Qt-free (the kiosk shell wraps it, not the other way round)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from conftest import ROOT

    config = tmp_path / "avatar.importlinter"
    config.write_text("[importlinter]\nroot_packages =\n    navigator\n    voice\ninclude_external_packages = True\n\n"
                      "[importlinter:contract:avatar-qt-free]\nname = avatar imports no Qt\ntype = forbidden\n"
                      "source_modules =\n    navigator.avatar\n    navigator.commands.avatar\n"
                      "forbidden_modules =\n    PySide6\n    navigator.ui\nallow_indirect_imports = False\n")
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--config", str(config)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_close_up_camera_blink_hides_the_whole_eye():
    """With a scene's explicit camera (near plane 0.3 m), the closed lid still covers iris and highlights."""
    with AvatarStage(size=(640, 360), background="studio") as stage:
        guide = stage.add_avatar(None)
        stage.set_camera(position=(0.3, -0.9, 1.6), look_at=(0.0, 0.0, 1.55), fov=25)
        guide.set_blink(1.0)
        frame = stage.render(T)
        x, y = stage.project(head_point(0.058, -0.01))
        eye = frame[int(y) - 12:int(y) + 12, int(x) - 12:int(x) + 12].astype(int)
        blue = (eye[..., 2] > eye[..., 0] + 30).sum()  # the iris is blue, skin and lashes are not
        white = ((eye.min(axis=2) > 235) & (np.ptp(eye, axis=2) < 20)).sum()
        assert blue == 0 and white == 0


def test_two_avatars_look_at_each_other():
    with AvatarStage(size=(640, 360), background="sky") as stage:
        left = stage.add_avatar(None, name="left", position=(-0.45, 0.0, 0.0))
        stage.add_avatar(None, name="right", position=(0.45, 0.0, 0.0))
        stage.set_camera(position=(0.0, -2.6, 1.4), look_at=(0.0, 0.0, 1.3), fov=30)
        front = stage.render(T)
        left.look_at("right", blend_s=0.0)
        turned = stage.render(T)
        mask = changed(front, turned)
        assert mask[:, :320].sum() > 100 and mask[:, 320:].sum() == 0  # only the left guide moved


def test_portrait_framing_shows_the_guide_to_the_knees():
    with AvatarStage(size=(360, 640), framing="portrait", background="sky") as stage:
        stage.add_avatar(None)
        frame = stage.render(T).astype(int)
        lower = frame[480:]
        assert ((lower.max(axis=2) < 90) & (np.ptp(lower, axis=2) < 30)).sum() > 500  # dark trousers
        hair_x, hair_y = stage.project(head_point(0.0, 0.15))
        assert 0 < hair_y < 120 and 150 < hair_x < 210  # head near the top, centred


def test_backgrounds_and_bad_values_are_reported():
    from navigator.errors import UserError

    with AvatarStage(size=(64, 36), background=("#ff0000", "#0000ff")) as stage:
        frame = stage.render(0.0)
        assert frame[0, 0, 0] > 200 and frame[-1, 0, 2] > 200
    with AvatarStage(size=(64, 36), background="#00ff00") as stage:
        assert stage.render(0.0)[0, 0, 1] > 200
        stage.set_background("#0000ff")
        assert stage.render(0.0)[0, 0, 2] > 200
        with pytest.raises(UserError):
            stage.set_background("plaid")
        assert stage.render(0.0)[0, 0, 2] > 200
    for kwargs in ({"background": "disco"}, {"renderer": "vulkan"}, {"framing": "square"}, {"size": (8, 8)}):
        with pytest.raises(UserError):
            AvatarStage(**{"size": (64, 36), **kwargs})


def test_rig_with_rotated_rest_pose_and_other_names_moves_like_the_guide(tmp_path):
    """Mixamo bone names with non-identity rest rotations, VRChat morph names ("vrc.v_aa", dots included):
    the same gestures and mouth shapes give the same pictures as the guide itself."""
    frames = [gesture_shots(write_guide(tmp_path / f"{variant}.glb", variant), ("wave", "point", "bow"), 0.45)
              for variant in ("guide", "rotated")]
    for guide_shot, rotated_shot in zip(*frames):
        assert changed(guide_shot, rotated_shot).sum() < 50


def gesture_shots(model, gestures, fraction: float) -> list[np.ndarray]:
    """Full-body pictures of `model` saying "a": at rest, then `fraction` of the way into each gesture."""
    with AvatarStage(size=(320, 320), framing="portrait", background="studio") as stage:
        avatar = stage.add_avatar(model)
        assert avatar.load_warning is None and len(avatar.bones) == 10 and "a" in avatar.controls
        avatar.set_viseme("a")
        shots = [stage.render(T)]
        for gesture in gestures:
            stage.render(10.0)
            shots.append(stage.render(10.0 + avatar.gesture(gesture) * fraction))
            stage.render(20.0)
    return shots


def test_static_model_loads_and_the_snapshot_says_what_it_cannot_show(tmp_path):
    """A glTF without skin or morphs (e.g. a statue) is shown as is; operators learn what will not move."""
    from navigator.avatar.generate import build_gltf, glb_bytes

    gltf, blob = build_gltf("guide")
    gltf["nodes"] = [{"name": "Statue", "mesh": 0}]
    gltf["scenes"] = [{"nodes": [0]}]
    for key in ("skins",):
        gltf.pop(key)
    gltf["meshes"] = gltf["meshes"][:1]
    for prim in gltf["meshes"][0]["primitives"]:
        prim["attributes"].pop("JOINTS_0")
        prim["attributes"].pop("WEIGHTS_0")
    path = tmp_path / "statue.glb"
    path.write_bytes(glb_bytes(gltf, blob))
    with AvatarStage(size=(320, 180)) as stage:
        statue = stage.add_avatar(path)
        assert statue.load_warning is None and not statue.builtin
        assert statue.controls == () and statue.bones == ()
        assert statue.missing[0].startswith("mouth shapes a, i, u, e, o")
        statue.gesture("wave")  # nothing to move: no error
        assert stage.render(1.0).std() > 5
    out = tmp_path / "statue.png"
    result = run_cli("avatar", "snapshot", "--out", str(out), "--size", "320x180", "--model", str(path))
    assert result.returncode == 0 and out.exists()
    assert "statue.glb: this model has no mouth shapes" in result.stderr


def test_render_without_time_follows_the_wall_clock():
    import time

    with AvatarStage(size=(64, 36)) as stage:
        stage.add_avatar(None)
        stage.render()
        time.sleep(0.05)
        stage.render()
        assert 0.04 < stage.time < 1.0
        stage.render(5.0)
        assert stage.time == 5.0


def test_textured_model_with_odd_sized_texture_renders(tmp_path):
    """User models carry textures (often not power-of-two): the software renderer still shows them."""
    import base64
    import io

    from navigator.avatar.generate import build_gltf, glb_bytes

    gltf, blob = build_gltf("vrm1")
    body = gltf["meshes"][0]["primitives"][0]
    count = gltf["accessors"][body["attributes"]["POSITION"]]["count"]
    uv = np.tile(np.array([[0.5, 0.5]], np.float32), (count, 1))
    offset = len(blob) + (-len(blob) % 4)
    blob = blob + b"\0" * (-len(blob) % 4) + uv.tobytes()
    gltf["bufferViews"].append({"buffer": 0, "byteOffset": offset, "byteLength": uv.nbytes})
    gltf["accessors"].append({"bufferView": len(gltf["bufferViews"]) - 1, "componentType": 5126, "count": count,
                              "type": "VEC2"})
    gltf["buffers"][0]["byteLength"] = len(blob)
    body["attributes"]["TEXCOORD_0"] = len(gltf["accessors"]) - 1
    png = io.BytesIO()
    Image.new("RGB", (100, 60), (230, 40, 40)).save(png, "PNG")  # a red 100x60 texture
    gltf["images"] = [{"uri": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()}]
    gltf["textures"] = [{"source": 0}]
    gltf["materials"].append({"name": "red", "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}})
    body["material"] = len(gltf["materials"]) - 1
    path = tmp_path / "textured.vrm"
    path.write_bytes(glb_bytes(gltf, blob))
    with AvatarStage(size=(320, 320), framing="portrait", background="studio") as stage:
        avatar = stage.add_avatar(path)
        assert avatar.load_warning is None
        frame = stage.render(T).astype(int)
        r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
        red = (r > 90) & (r > 2.5 * g) & (r > 2.5 * b)
        assert red.sum() > 1000  # skin and hands are tinted by the red texture (vertex colour x texture)


def test_gesture_durations_match_the_published_table(stage, guide):
    from navigator.avatar.rig import GESTURE_SECONDS

    assert {name: guide.gesture(name) for name in GESTURE_SECONDS} == pytest.approx(GESTURE_SECONDS, abs=1e-6)
    stage.render(100.0)


def test_snapshots_are_identical_across_processes(tmp_path):
    """Video export must give the same frames on every run (no hash seeds or caches in the picture)."""
    shots = []
    for seed in ("1", "2"):
        out = tmp_path / f"shot{seed}.png"
        result = run_cli("avatar", "snapshot", "--out", str(out), "--size", "320x180", "--gesture", "nod",
                         env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        shots.append(np.asarray(Image.open(out)))
    assert np.array_equal(*shots)


def test_avatars_from_the_same_file_move_independently():
    with AvatarStage(size=(640, 360), background="studio") as stage:
        left = stage.add_avatar(None, name="left", position=(-0.45, 0.0, 0.0))
        stage.add_avatar(None, name="right", position=(0.45, 0.0, 0.0))
        stage.set_camera(position=(0.0, -2.6, 1.45), look_at=(0.0, 0.0, 1.4), fov=30)
        rest = stage.render(T)
        left.set_viseme("a")
        left.set_blink(1.0)
        speaking = stage.render(T)
        mask = changed(rest, speaking)
        assert mask[:, :320].sum() > 50 and mask[:, 320:].sum() == 0


def test_opening_and_closing_stages_does_not_grow_memory():
    """Attract mode opens a stage per scene for hours: buffers and models must be reused, not leaked."""
    import gc

    import psutil

    process = psutil.Process()

    def cycle():
        with AvatarStage(size=(640, 360)) as stage:
            stage.add_avatar(None)
            stage.render(T)

    for _ in range(3):
        cycle()
    gc.collect()
    before = process.memory_info().rss
    for _ in range(20):
        cycle()
    gc.collect()
    grown_mb = (process.memory_info().rss - before) / 2**20
    assert grown_mb < 12, f"{grown_mb:.1f} MB more after 20 stages (it was ~75 MB before reuse)"


def test_look_at_visitor_follows_a_moving_camera():
    with AvatarStage(size=(320, 180), background="studio") as stage:
        guide = stage.add_avatar(None)
        guide.look_at("visitor", blend_s=0.0)
        stage.set_camera(position=(-1.2, -1.6, 1.5), look_at=(0.0, 0.0, 1.45))
        stage.render(T)
        to_left = guide._look_now(stage.time)
        stage.set_camera(position=(1.2, -1.6, 1.5), look_at=(0.0, 0.0, 1.45))
        stage.render(T + 0.04)
        to_right = guide._look_now(stage.time)
        assert to_left[0] < -15 and to_right[0] > 15  # heading follows the camera to either side


def test_model_with_only_one_eye_blinks_still_blinks_both(tmp_path):
    from navigator.avatar.generate import build_gltf, glb_bytes

    gltf, blob = build_gltf("guide")
    names = gltf["meshes"][1]["extras"]["targetNames"]
    names[names.index("blink")] = "unused_shape"
    path = tmp_path / "winks_only.glb"
    path.write_bytes(glb_bytes(gltf, blob))
    with AvatarStage(size=SIZE, background="studio") as stage:
        avatar = stage.add_avatar(path)
        assert "blink" not in avatar.controls and {"blink_l", "blink_r"} <= set(avatar.controls)
        rest = stage.render(T)
        avatar.set_blink(1.0)
        mask = changed(rest, stage.render(T))
        left_eye, right_eye = eye_boxes(stage)
        assert mask[left_eye].sum() > 100 and mask[right_eye].sum() > 100


def test_vroid_style_model_with_one_skin_per_mesh_loads_and_moves_as_one(tmp_path):
    """UniVRM writes a skin per mesh under one root (panda3d-gltf alone fails with KeyError): the skins
    are merged, so the face (its own one-joint skin) follows the head exactly like the single-skin model."""
    frames = [gesture_shots(write_guide(tmp_path / f"{variant}.vrm", variant), ("nod", "bow", "wave"), 0.4)
              for variant in ("vrm0", "vroid")]
    for single, merged in zip(*frames):
        assert changed(single, merged).sum() < 50


def test_egl_renderer_matches_the_software_colours_or_falls_back_with_a_note():
    samples = {}
    for renderer in ("tinydisplay", "egl"):
        with AvatarStage(size=(320, 180), renderer=renderer, background="studio") as stage:
            stage.add_avatar(None)
            frame = stage.render(T).astype(int)
            points = [stage.project(head_point(0.0, -0.03)), stage.project(head_point(0.0, 0.15))]  # skin, hair
            samples[renderer] = (stage.renderer, stage.renderer_note, [frame[int(y), int(x)] for x, y in points])
    used, note, colours = samples["egl"]
    if used == "egl":
        for soft, gl in zip(samples["tinydisplay"][2], colours):
            assert np.abs(soft - gl).max() < 25  # same guide, same colours
    else:
        assert used == "tinydisplay" and note and "egl" in note.lower()


def test_idle_glances_happen_but_not_while_speaking():
    with AvatarStage(size=(64, 36)) as stage:
        guide = stage.add_avatar(None)
        times = [t / 10 for t in range(0, 400)]
        idle = [guide._glances.offset(t, guide._may_glance) for t in times]
        assert max(abs(h) for h, _ in idle) > 3  # the guide does look aside now and then
        guide.play_mouth_cues([MouthCue(i * 0.2, i * 0.2 + 0.15, "a") for i in range(200)], start_at=0.0)
        talking = [guide._glances.offset(t, guide._may_glance) for t in times]
        assert max(abs(h) for h, _ in talking[:390]) == 0  # eye contact while talking (0-40 s)


def test_shipped_guide_is_what_the_generator_builds_and_small():
    """assets/avatar/guide.glb is rebuilt by its script (deterministic) and stays well under 2 MB."""
    from navigator.avatar.generate import build_gltf, glb_bytes
    from navigator.avatar.model_loading import BUILTIN_MODEL, read_gltf

    shipped = BUILTIN_MODEL.read_bytes()
    assert glb_bytes(*build_gltf("guide")) == shipped, "run: python assets/avatar/build_guide.py --preview"
    assert len(shipped) < 1.5 * 2**20
    gltf = read_gltf(BUILTIN_MODEL)
    assert gltf["meshes"][1]["extras"]["targetNames"] == [
        "aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "sad", "surprised"]
    assert [n["name"] for n in gltf["nodes"][3:]] == [
        "hips", "spine", "neck", "head", "leftUpperArm", "leftLowerArm", "leftHand",
        "rightUpperArm", "rightLowerArm", "rightHand"]
    assert (BUILTIN_MODEL.parent / "LICENSE").read_text().count("CC0") >= 1


def test_bgra_frames_match_rgb_frames(stage, guide):
    rgb = stage.render(T)
    bgra = stage.render_bgra(T)
    assert bgra.shape == (SIZE[1], SIZE[0], 4) and bgra.flags["C_CONTIGUOUS"]
    assert np.array_equal(bgra[..., 2::-1], rgb)


def test_a_frame_does_not_depend_on_the_frame_before(stage, guide):
    """Seeking (scene preview, video export) gives the same picture as playing through."""
    guide.look_at("visitor", blend_s=0.5)
    stage.render(T)
    steady = stage.render(T)
    stage.render(T + 7.3)  # somewhere else: another pose, another head position
    assert np.array_equal(stage.render(T), steady)
