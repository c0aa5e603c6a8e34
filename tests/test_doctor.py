"""`navigator doctor`: on a bare machine it names what is missing and how to fix it; with a
(null-sink) sound card and an offscreen display every line is OK."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import edited_config, run_cli
from pulse import PulseCard


def bare_env(tmp_path) -> dict:
    """No sound server reachable and no display, whatever the machine running the tests has."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    removed = dict.fromkeys(("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PULSE_SOURCE", "PULSE_SINK"))
    return removed | {"XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": f"unix:{runtime}/no-such-socket"}


def doctor_json(*args: str, env: dict, config=None) -> tuple[int, dict]:
    result = run_cli(*(("--config", str(config)) if config else ()), "doctor", "--json", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def by_name(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def test_bare_machine_explains_what_is_missing(tmp_path):
    code, report = doctor_json(env=bare_env(tmp_path))
    checks = by_name(report)
    assert code == 1 and report["ok"] is False
    devices = checks["sound: devices"]
    assert devices["status"] == "FAIL"
    assert "pulseaudio --start" in devices["fix"] and "USB microphone" in devices["fix"]
    assert checks["sound: microphone"]["status"] == "FAIL" and checks["sound: speaker"]["status"] == "FAIL"
    display = checks["display: Qt window"]
    assert display["status"] in ("WARN", "FAIL") and "DISPLAY" in display["fix"] and "offscreen" in display["fix"]
    # What does not depend on hardware is still checked and fine.
    for name in ("config", "catalog", "speech recognition", "voice: ja", "voice: en", "fonts: Japanese",
                 "display: 3D renderer"):
        assert checks[name]["status"] == "OK", checks[name]



@pytest.fixture(scope="module")
def card():
    card = PulseCard()
    yield card
    card.close()


def test_with_a_sound_card_and_offscreen_display_every_line_is_ok(card):
    code, report = doctor_json(env={**card.kiosk_env(), "QT_QPA_PLATFORM": "offscreen"})
    problems = [c for c in report["checks"] if c["status"] != "OK"]
    assert code == 0 and report["ok"] and not problems, problems
    checks = by_name(report)
    assert checks["sound: microphone"]["data"]["device"] and "2 s recorded" in checks["sound: microphone"]["detail"]
    assert "test tone played" in checks["sound: speaker"]["detail"]
    assert checks["display: 3D renderer"]["data"]["pipes"][0]["fps"] > 0
    assert checks["speech recognition"]["data"]["bytes"] > 100_000_000


def test_one_screen_table_with_fixes(tmp_path):
    result = run_cli("doctor", "--quick", env=bare_env(tmp_path))
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and len(lines) < 40
    fail = next(i for i, line in enumerate(lines) if line.startswith("FAIL") and "sound: devices" in line)
    assert "→" in lines[fail + 1] and "pulseaudio --start" in lines[fail + 1]
    assert lines[-1].endswith("FAIL") and "OK" in lines[-1]


def test_broken_config_is_a_fail_naming_the_line(tmp_path):
    config = edited_config(tmp_path, ("volume = 1.0", "volume = 7.0"))
    code, report = doctor_json("--quick", config=config, env=bare_env(tmp_path))
    check = by_name(report)["config"]
    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if text.startswith("volume"))
    assert code == 1 and check["status"] == "FAIL"
    assert f"{config}:{line}: audio.volume" in check["detail"] and "navigator config check" in check["fix"]


def test_corrupt_speech_model_names_the_file_and_the_fix(tmp_path):
    from voice.whisper_model import default_cache_dir, resolve_model

    good = resolve_model("base", default_cache_dir())
    broken = tmp_path / "whisper"
    shutil.copytree(good, broken, ignore=shutil.ignore_patterns("model.bin", ".verified.json"))
    (broken / "model.bin").write_bytes((good / "model.bin").read_bytes()[:1_000_000])   # truncated copy
    config = edited_config(tmp_path, ('model = "base"', f'model = "{broken}"'))
    code, report = doctor_json(config=config, env=bare_env(tmp_path))
    check = by_name(report)["speech recognition"]
    assert code == 1 and check["status"] == "FAIL"
    assert str(broken / "model.bin") in check["detail"] and "1000000 bytes" in check["detail"]
    assert 'model = "base"' in check["fix"]


def test_a_configured_microphone_that_is_missing_is_named(card, tmp_path):
    config = edited_config(tmp_path, ('input_device = ""', 'input_device = "USB Conference"'))
    code, report = doctor_json("--quick", config=config, env={**card.kiosk_env(), "QT_QPA_PLATFORM": "offscreen"})
    microphone = by_name(report)["sound: microphone"]
    assert code == 1 and microphone["status"] == "FAIL"
    assert "'USB Conference' not found" in microphone["detail"] and "pulse" in microphone["detail"]
    assert "[audio] input_device" in microphone["fix"] and str(config) in microphone["fix"]
    assert by_name(report)["sound: speaker"]["status"] == "OK"
