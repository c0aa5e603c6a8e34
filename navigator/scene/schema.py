"""The JSON Schema of scene files (scenes/scene.schema.json), for completion in editors (Taplo / Even Better TOML)."""

from __future__ import annotations

import json
from pathlib import Path

from navigator.scene.model import Scene

SCHEMA_ID = "https://github.com/machida-navigator/scene.schema.json"


def scene_schema() -> dict:
    schema = Scene.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Machida navigator scene"
    return schema


def schema_text() -> str:
    return json.dumps(scene_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path | str) -> Path:
    path = Path(path)
    path.write_text(schema_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    from navigator import PROJECT_ROOT

    print(write_schema(PROJECT_ROOT / "scenes" / "scene.schema.json"))
