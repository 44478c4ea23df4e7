"""Configuration from ``STOCKBOOK_*`` environment variables (DESIGN.md §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared_kernel.infrastructure.database import DatabaseUrlError, parse_database_url

ENV_PREFIX = "STOCKBOOK_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./stockbook.db"
    env: Literal["development", "production"] = "development"
    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    allow_registration: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    db_pool_size: int = Field(default=10, ge=1, le=500)

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str) -> str:
        try:
            return parse_database_url(value).render_as_string(hide_password=False)
        except DatabaseUrlError as error:
            raise ValueError(str(error)) from None

    @property
    def is_production(self) -> bool:
        return self.env == "production"


class ConfigurationError(Exception):
    """Configuration that cannot be used; the message names the variable."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        variable = ENV_PREFIX + "_".join(str(part) for part in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{variable}: {message}") from None
