"""Configuration: read once from the environment and `.env`, validated by pydantic.

Every setting has a documented line in `.env.example`. A bad value stops start-up with
one clear line (see `load_settings`), never a traceback. The DQT API key is a
`SecretStr` so that printing the settings object can never show it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "register-triage"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class ConfigError(Exception):
    """A setting has a value the product cannot use; the message is one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `NAME=` (as in .env.example) means "not set", not an empty value.
        env_ignore_empty=True,
    )

    database_url: str | None = None
    redis_url: str | None = None
    dqt_api_url: str | None = None
    dqt_api_key: SecretStr | None = None

    triage_operator: str | None = None
    triage_allow_writes: bool | None = None
    triage_data_dir: Path = Field(default_factory=default_data_dir)

    # Which Sidekiq major writes the jobs we enqueue: 6.5/7.x use Rails' wrapper
    # class name and float seconds, 8.x uses Sidekiq's own wrapper and integer ms.
    triage_sidekiq_version: Literal["6", "7", "8"] = "6"

    # Path of a DfE degree-institutions JSON list (the shape of dfe-reference-data's
    # export). The sandbox ships its own synthetic list.
    triage_institutions_file: Path | None = None

    # Thresholds for `triage watch` and the monitors.
    triage_pending_trn_days: int = Field(default=7, ge=0)
    triage_pending_award_days: int = Field(default=14, ge=0)
    triage_dead_set_warn_fraction: float = Field(default=0.9, gt=0, le=1)
    triage_dead_age_warn_days: int = Field(default=150, ge=0)

    triage_dqt_timeout_seconds: float = Field(default=10.0, gt=0)
    triage_dqt_requests_per_minute: int = Field(default=300, gt=0)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("dqt_api_url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def uses_sandbox(self) -> bool:
        """True when no service URL is configured: the embedded default."""
        return not (self.database_url or self.redis_url or self.dqt_api_url)

    @property
    def writes_enabled(self) -> bool:
        """Writes are off unless enabled; the sandbox enables them by default."""
        if self.triage_allow_writes is not None:
            return self.triage_allow_writes
        return self.uses_sandbox

    @property
    def operator(self) -> str:
        import getpass

        if self.triage_operator:
            return self.triage_operator
        try:
            return getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name at all is not fatal
            return "unknown"

    def source_of(self, name: str) -> str:
        """Where a setting came from, for the About screen: env, .env or default."""
        import os

        if name.upper() in os.environ:
            return "environment"
        if name in self.model_fields_set:
            return ".env"
        return "default"


def partial_service_config(settings: Settings) -> list[str]:
    """The service URLs missing when some but not all are set."""
    names = {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "DQT_API_URL": settings.dqt_api_url,
    }
    if settings.uses_sandbox:
        return []
    return [name for name, value in names.items() if not value]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`; ConfigError names the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"{name}: {first['msg']}") from None
