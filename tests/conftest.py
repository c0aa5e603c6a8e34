"""Shared fixtures: the project's paths, the shipped catalog, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = ROOT.parent / "shared" / "eval"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def catalog():
    from navigator.catalog import load_catalog

    return load_catalog(ROOT / "assets" / "catalog")


@pytest.fixture(scope="session")
def answerer(catalog):
    from navigator.brain.answerer import Answerer

    return Answerer(catalog)


@pytest.fixture(scope="session")
def kiosk_voice(catalog):
    """(engines, answer, pipeline settings) of the shipped kiosk_config.toml: the real Silero VAD, Whisper,
    OpenJTalk/pyttsx3 and the catalog's answers, for tests that run a VoicePipeline."""
    from navigator.brain.answerer import Answerer
    from navigator.config import load_config
    from navigator.speech import CatalogAnswer, build_engines, pipeline_config

    config = load_config(ROOT / "kiosk_config.toml")
    return build_engines(config, catalog), CatalogAnswer(Answerer(catalog, "ja")), pipeline_config(config)


def edited_config(folder: Path, *edits: tuple[str, str]) -> Path:
    """kiosk_config.toml copied into `folder` with each (old, new) text edit made (old must be there), and
    the catalog path made absolute so the copy works from its folder; returns the copy's path."""
    text = (ROOT / "kiosk_config.toml").read_text(encoding="utf-8")
    for old, new in (('catalog = "assets/catalog"', f'catalog = "{ROOT / "assets/catalog"}"'), *edits):
        assert old in text, f"kiosk_config.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = folder / "kiosk_config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m navigator ARGS` as a visitor's operator would, capturing its output.

    `env` is added to this process's environment; a key set to None is removed from it.
    """
    merged = {key: value for key, value in {**os.environ, **(env or {})}.items() if value is not None}
    return subprocess.run([sys.executable, "-m", "navigator", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=merged, timeout=120)
