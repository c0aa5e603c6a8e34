"""Run every doctor check (a crash in one is a FAIL line, not a crash of the doctor) and show them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from navigator.ops.doctor import audio, display, files, llm, speech, system
from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context

SYMBOLS = {OK: "OK  ", WARN: "WARN", FAIL: "FAIL"}


def make_context(config_path, quick: bool = False, environ: dict | None = None) -> tuple[Context, Check]:
    """The context and the config check (a broken config falls back to the defaults for the rest)."""
    from navigator.config import KioskConfig, default_config_path, load_config
    from navigator.errors import UserError

    path = config_path or default_config_path()
    environ = dict(os.environ if environ is None else environ)
    try:
        config, problem = load_config(path), None
    except UserError as exc:
        config = KioskConfig().model_copy(update={"source": None})   # paths relative to the project
        problem = str(exc)
    ctx = Context(config, quick, environ, path)
    return ctx, files.config_file(ctx, problem)


CHECKS: tuple[tuple[str, Callable[[Context], Check | list[Check]]], ...] = (
    ("python & packages", system.python_and_packages),
    ("catalog", files.catalog),
    ("speech recognition", speech.stt_model),
    ("voice", speech.tts_voices),
    ("sound", audio.sound),
    ("display: Qt window", display.qt),
    ("display: 3D renderer", display.renderer),
    ("fonts: Japanese", display.fonts),
    ("LLM", llm.llm_endpoint),
    ("disk", system.disk_space),
)


def run_checks(ctx: Context, first: Check | None = None, progress: Callable[[str], None] | None = None) -> list[Check]:
    results = [first] if first else []
    for name, check in CHECKS:
        if progress:
            progress(name)
        try:
            found = check(ctx)
        except Exception as exc:  # a bug in a check, or an engine that blew up: report it, go on
            found = Check(name, FAIL, f"the check itself failed: {type(exc).__name__}: {exc}",
                          "report this to the developers with the output of `navigator doctor --json`")
        results.extend(found if isinstance(found, list) else [found])
    return results


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == FAIL for c in checks) else 0


def table(checks: list[Check], width: int | None = None) -> str:
    """One screen: a line per check, the fix under each line that is not OK."""
    width = width or shutil.get_terminal_size((110, 40)).columns
    name_w = max(len(c.name) for c in checks) if checks else 10
    lines = []
    for check in checks:
        head = f"{SYMBOLS[check.status]}  {check.name:<{name_w}}  "
        detail = check.detail.replace("\n", " ")
        room = max(20, width - len(head))
        lines.append(head + (detail if len(detail) <= room else detail[: room - 1] + "…"))
        if check.status != OK and check.fix:
            lines.append(" " * (6 + name_w + 2) + "→ " + check.fix)
    counts = {s: sum(c.status == s for c in checks) for s in (OK, WARN, FAIL)}
    lines.append(f"\n{counts[OK]} OK, {counts[WARN]} WARN, {counts[FAIL]} FAIL")
    return "\n".join(lines)


def to_json(checks: list[Check]) -> dict:
    return {"ok": exit_code(checks) == 0, "summary": {s: sum(c.status == s for c in checks) for s in (OK, WARN, FAIL)},
            "checks": [c.to_json() for c in checks]}
