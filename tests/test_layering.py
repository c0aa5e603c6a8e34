"""The layering rule of DESIGN.md, checked by import-linter over the whole import graph."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 7      # voice alone, answering code, ops, PySide6 only in ui, Panda3D only in avatar,
                                    # ui wired by app/commands, openai only in the adapter
    assert f"Contracts: {len(contracts)} kept, 0 broken" in result.stdout
