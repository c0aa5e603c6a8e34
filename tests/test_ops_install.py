"""scripts/install_kiosk.sh in a temporary PREFIX and HOME: files, the kept config, a valid unit."""

from __future__ import annotations

import shutil
import subprocess

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "install_kiosk.sh"


def install(tmp_path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), "--prefix", str(tmp_path / "opt"), "--home", str(tmp_path / "home"),
                           "--no-system", *options], capture_output=True, text=True, timeout=120)


def test_dry_run_changes_nothing_and_shows_the_unit(tmp_path):
    result = install(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Type=notify" in result.stdout and "WatchdogSec=30" in result.stdout and "Restart=always" in result.stdout
    assert "loginctl enable-linger" in result.stdout and "AutomaticLogin" in result.stdout
    assert not (tmp_path / "opt").exists() and not (tmp_path / "home").exists()


def test_install_writes_the_program_and_a_valid_user_service(tmp_path):
    prefix = tmp_path / "opt"
    prefix.mkdir()
    (prefix / ".venv").symlink_to(ROOT / ".venv")             # --no-venv: reuse this checkout's environment
    (prefix / "kiosk_config.toml").write_text("# the technician's settings\n", encoding="utf-8")
    result = install(tmp_path, "--no-venv")
    assert result.returncode == 0, result.stderr
    assert (prefix / "navigator" / "cli.py").is_file() and (prefix / "assets" / "catalog").is_dir()
    assert not (prefix / ".git").exists() and (prefix / "logs").is_dir()
    assert (prefix / "kiosk_config.toml").read_text(encoding="utf-8") == "# the technician's settings\n"
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "machida-navigator.service"
    text = unit.read_text(encoding="utf-8")
    assert f"ExecStart={prefix}/.venv/bin/navigator --config {prefix}/kiosk_config.toml kiosk" in text
    assert "@PREFIX@" not in text and "Type=notify" in text and "WantedBy=graphical-session.target" in text
    # No systemd user session in a test run: the script says what to run instead of failing.
    assert "systemctl --user" in result.stdout
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
        assert verify.returncode == 0, verify.stderr
