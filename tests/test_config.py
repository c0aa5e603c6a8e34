"""kiosk_config.toml: typed loading and one-line errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from navigator.config import KioskConfig, load_config
from navigator.errors import ConfigError

SHIPPED = ROOT / "kiosk_config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk_config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_valid_and_private_by_default():
    config = load_config(SHIPPED)
    assert isinstance(config, KioskConfig)
    assert config.llm.enabled is False
    assert (config.privacy.store_audio, config.privacy.store_transcripts) == (False, False)
    assert config.language.default in config.language.offered
    assert config.catalog_dir == (ROOT / "assets" / "catalog").resolve()


def test_every_key_of_the_shipped_file_is_commented():
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = lines[number - 1].lstrip()
            assert above.startswith("#") or "=" in above, f"line {number + 1} has no comment: {line}"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    config = load_config(write(tmp_path, '[paths]\ncatalog = "my_catalog"\n'))
    assert config.catalog_dir == (tmp_path / "my_catalog").resolve()


@pytest.mark.parametrize("text, line, key, allowed", [
    ("[session]\nidle_timeout_s = -5\n", 2, "session.idle_timeout_s = -5", "greater than 5"),
    ("[language]\ndefault = \"fr\"\n", 2, "language.default = 'fr'", "'ja', 'en' or 'easy_ja'"),
    ("[language]\noffered = [\"en\"]\ndefault = \"ja\"\n", 1, "language", "must be one of offered"),
    ("[llm]\nenabled = true\n", 1, "llm", "needs base_url and model"),
    ("[llm]\nbase_url = \"ftp://x\"\n", 2, "llm.base_url = 'ftp://x'", "http://"),
    ("\n[kiosk]\norientaton = \"portrait\"\n", 3, "kiosk.orientaton", "unknown key"),
    ("[stt]\nbeam_size = \"five\"\n", 2, "stt.beam_size = 'five'", "valid integer"),
])
def test_bad_values_name_file_line_key_and_what_is_allowed(tmp_path, text, line, key, allowed):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.count("\n") == 0, message
    assert message.startswith(f"{path}:{line}: {key}"), message
    assert allowed in message


def test_broken_toml_names_the_line(tmp_path):
    path = write(tmp_path, '[kiosk]\nid = "a"\nlocation = "unterminated\n')
    with pytest.raises(ConfigError, match=rf"^{path}:3: not valid TOML"):
        load_config(path)


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_config_check_command_exit_codes_and_no_traceback(tmp_path):
    ok = run_cli("config", "check", str(SHIPPED))
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = write(tmp_path, "[session]\nidle_timeout_s = 0\n")
    result = run_cli("config", "check", str(bad))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"navigator: {bad}:2: session.idle_timeout_s = 0: Input should be greater than 5"]


def test_global_config_option_selects_another_file(tmp_path):
    bad = write(tmp_path, "[privacy]\nstore_audio = \"maybe\"\n")
    result = run_cli("--config", str(bad), "ask", "住民票")
    assert result.returncode != 0 and "privacy.store_audio" in result.stderr
    result = run_cli("--config", str(bad), "config", "check")
    assert result.returncode != 0 and str(bad) in result.stderr
