"""The LLM mode through the real CLI (`navigator --config X ask --json`, `navigator llm check`)
against a local chat-completions server: the issue's acceptance checks."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import ROOT, run_cli
from llm_server import Behaviour, FakeChatServer, stream
from test_llm import DAYCARE_Q, INVENTED

KEY_ENV = "NAVIGATOR_TEST_LLM_KEY"
SECRET = "sk-test-5ecret-never-shown"


def llm_config(tmp_path: Path, base_url: str, timeout_s: float = 4, provider: str = "openai",
               enabled: bool = True) -> Path:
    path = tmp_path / "kiosk_config.toml"
    path.write_text(f"""[llm]
enabled = {str(enabled).lower()}
provider = "{provider}"
base_url = "{base_url}"
model = "kiosk-model"
api_key_env = "{KEY_ENV}"
api_version = "2024-10-21"
timeout_s = {timeout_s}

[paths]
catalog = "{ROOT / 'assets' / 'catalog'}"
""", encoding="utf-8")
    return path


def test_ask_json_with_a_model_that_invents_facts(tmp_path):
    with FakeChatServer(stream(INVENTED)) as server:
        result = run_cli("--config", str(llm_config(tmp_path, server.url)), "ask", "--json", DAYCARE_Q,
                         env={KEY_ENV: SECRET})
    assert result.returncode == 0, result.stderr
    for invented in ("hoiku-machida", "042-999-1234", "5,000", "5000"):
        assert invented not in result.stdout
    answer = json.loads(result.stdout)
    assert answer["answer"] == "保育園の申し込みは、まちドアからオンラインでできます。窓口は保育・幼稚園課です。"
    assert answer["service_ids"][0] == "daycare-application"
    assert answer["card"]["qr_url"] == "https://www.city.machida.tokyo.jp/"
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"  # the key went to the server only
    assert SECRET not in result.stdout + result.stderr


def test_ask_json_with_a_model_that_never_answers(tmp_path):
    grounded = run_cli("ask", "--json", DAYCARE_Q)
    with FakeChatServer(Behaviour("hang")) as server:
        started = time.monotonic()
        result = run_cli("--config", str(llm_config(tmp_path, server.url, timeout_s=4)), "ask", "--json", DAYCARE_Q,
                         env={KEY_ENV: SECRET})
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 8, elapsed  # timeout_s + 1 s of fallback, plus start-up: a correctness bound
    assert json.loads(result.stdout) == json.loads(grounded.stdout)
    assert "answered from the catalog" in result.stderr  # one line for technicians, none for visitors
    assert SECRET not in result.stdout + result.stderr


def test_llm_check_reports_a_working_endpoint(tmp_path):
    with FakeChatServer(stream("OK")) as server:
        result = run_cli("--config", str(llm_config(tmp_path, server.url)), "llm", "check", env={KEY_ENV: SECRET})
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"${KEY_ENV} is set" in result.stdout and "OK: first text after" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_llm_check_reports_a_rejected_key_without_showing_it(tmp_path):
    with FakeChatServer(Behaviour("error", status=401)) as server:
        config = llm_config(tmp_path, server.root, provider="azure")
        result = run_cli("--config", str(config), "llm", "check", "--json", env={KEY_ENV: SECRET})
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["ok"] and report["key_set"]
    assert "HTTP 401" in report["error"] and KEY_ENV in report["error"]
    assert server.requests[0]["headers"]["api-key"] == SECRET
    assert SECRET not in result.stdout + result.stderr


def test_llm_check_reports_an_unreachable_endpoint_and_a_missing_key(tmp_path):
    with FakeChatServer() as server:
        url = server.url  # closed again: nothing listens there
    result = run_cli("--config", str(llm_config(tmp_path, url, enabled=False)), "llm", "check", env={KEY_ENV: ""})
    assert result.returncode == 1
    assert f"${KEY_ENV} is not set" in result.stdout
    assert "FAILED" in result.stdout and "cannot connect" in result.stdout
    assert "enabled = false" in result.stdout


def test_llm_off_never_imports_openai():
    code = ("import sys; from navigator.cli import main; main(['ask', '住民票がほしい']); "
            "print('openai loaded' if 'openai' in sys.modules else 'openai not loaded')")
    result = run_cli_python(code)
    assert "住民票" in result.stdout and "openai not loaded" in result.stdout, result.stdout + result.stderr


def run_cli_python(code: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
