"""The technician's configuration (kiosk_config.toml) as typed, validated objects.

`load_config(path)` returns a `KioskConfig` or raises `ConfigError` whose message
is one line per problem: `FILE:LINE: key: what is allowed`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from navigator import PROJECT_ROOT
from navigator.errors import ConfigError
from navigator.tomlfile import read_toml, validation_lines

Language = Literal["ja", "en", "easy_ja"]
CONFIG_ENV = "NAVIGATOR_CONFIG"
DEFAULT_NAME = "kiosk_config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskSection(_Section):
    id: str = Field("kiosk-1", min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    location: str = ""
    orientation: Literal["landscape", "portrait"] = "landscape"
    fullscreen: bool = True


class LanguageSection(_Section):
    offered: list[Language] = Field(default_factory=lambda: ["ja", "en", "easy_ja"], min_length=1)
    default: Language = "ja"
    auto_switch: bool = True

    @model_validator(mode="after")
    def _default_is_offered(self) -> "LanguageSection":
        if self.default not in self.offered:
            raise ValueError(f"default = {self.default!r} must be one of offered = {self.offered}")
        return self


class SessionSection(_Section):
    idle_timeout_s: float = Field(90, gt=5, le=3600)
    idle_warning_s: float = Field(15, ge=0, le=600)


class PrivacySection(_Section):
    store_audio: bool = False
    store_transcripts: bool = False
    usage_stats: bool = False


class AudioSection(_Section):
    input_device: str | int = ""
    output_device: str | int = ""
    volume: float = Field(1.0, ge=0, le=2)


class ListeningSection(_Section):
    end_silence_s: float = Field(0.4, ge=0.2, le=2.0)
    min_speech_s: float = Field(0.25, ge=0.05, le=2.0)
    max_utterance_s: float = Field(15, ge=2, le=60)
    barge_in_s: float = Field(0.5, ge=0.2, le=3.0)


class SttSection(_Section):
    engine: Literal["faster-whisper", "none"] = "faster-whisper"
    model: str = "base"
    compute_type: Literal["int8", "int8_float32", "float32"] = "int8"
    beam_size: int = Field(2, ge=1, le=10)
    threads: int = Field(2, ge=1, le=64)


class TtsSection(_Section):
    japanese: Literal["openjtalk", "pyttsx3", "none"] = "openjtalk"
    other: Literal["pyttsx3", "none"] = "pyttsx3"
    speed: float = Field(1.0, ge=0.5, le=2.0)


class LlmSection(_Section):
    enabled: bool = False
    provider: Literal["openai", "azure"] = "openai"
    base_url: str = ""
    model: str = ""
    api_key_env: str = Field("OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_version: str = ""
    timeout_s: float = Field(8, gt=0, le=120)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> "LlmSection":
        if self.enabled and not (self.base_url and self.model):
            raise ValueError("enabled = true needs base_url and model")
        return self


class PathsSection(_Section):
    catalog: Path = Path("assets/catalog")
    avatar: Path = Path("assets/avatar")
    scenes: Path = Path("scenes")
    logs: Path = Path("logs")


class DisplaySection(_Section):
    renderer: Literal["auto", "tinydisplay", "egl"] = "auto"


class TechnicianSection(_Section):
    pin_sha256: str = Field("", pattern=r"^([0-9a-f]{64})?$")


class KioskConfig(_Section):
    """Everything a technician can set. Relative paths are resolved against the file's folder."""

    kiosk: KioskSection = KioskSection()
    language: LanguageSection = LanguageSection()
    session: SessionSection = SessionSection()
    privacy: PrivacySection = PrivacySection()
    audio: AudioSection = AudioSection()
    listening: ListeningSection = ListeningSection()
    stt: SttSection = SttSection()
    tts: TtsSection = TtsSection()
    llm: LlmSection = LlmSection()
    paths: PathsSection = PathsSection()
    display: DisplaySection = DisplaySection()
    technician: TechnicianSection = TechnicianSection()
    source: Path | None = Field(None, exclude=True)

    def resolve(self, path: Path) -> Path:
        """A configured path made absolute (relative to the config file's folder)."""
        if path.is_absolute():
            return path
        base = self.source.parent if self.source else PROJECT_ROOT
        return (base / path).resolve()

    @property
    def catalog_dir(self) -> Path:
        return self.resolve(self.paths.catalog)


def default_config_path() -> Path:
    """$NAVIGATOR_CONFIG, else ./kiosk_config.toml, else the project's own file."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    local = Path.cwd() / DEFAULT_NAME
    return local if local.exists() else PROJECT_ROOT / DEFAULT_NAME


def load_config(path: Path | str | None = None) -> KioskConfig:
    """Read and validate a config file; raise ConfigError with one line per problem."""
    path = Path(path) if path else default_config_path()
    data, text = read_toml(path, ConfigError)
    try:
        config = KioskConfig.model_validate(data)
    except ValidationError as exc:
        hint = "see the comments in kiosk_config.toml"
        raise ConfigError("\n".join(validation_lines(exc, path, text, hint))) from None
    return config.model_copy(update={"source": path.resolve()})
