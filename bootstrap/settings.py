"""Configuration from ``STOCKBOOK_*`` environment variables (DESIGN.md §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared_kernel.infrastructure.database import DatabaseUrlError, parse_database_url
from shared_kernel.infrastructure.failpoints import KNOWN_FAILPOINTS

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
    db_pool_size: int = Field(default=20, ge=1, le=500)
    # Test-only switches for the reliability tests; never honoured in production.
    failpoint: str = ""
    """Comma-separated fail-points to arm (see shared_kernel.infrastructure.failpoints)."""
    test_unsafe_ledger: bool = False
    """UNSAFE: record transactions without the position locks, so racing sales can oversell."""

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str) -> str:
        try:
            return parse_database_url(value).render_as_string(hide_password=False)
        except DatabaseUrlError as error:
            raise ValueError(str(error)) from None

    @field_validator("failpoint")
    @classmethod
    def _known_failpoints(cls, value: str) -> str:
        unknown = sorted(set(_names(value)) - KNOWN_FAILPOINTS)
        if unknown:
            raise ValueError(
                f"unknown fail-point {', '.join(unknown)} "
                f"(known: {', '.join(sorted(KNOWN_FAILPOINTS))})"
            )
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def armed_failpoints(self) -> frozenset[str]:
        """The configured fail-points; none in production."""
        return frozenset() if self.is_production else frozenset(_names(self.failpoint))

    @property
    def unsafe_ledger(self) -> bool:
        """Whether to run the deliberately naive ledger (never in production)."""
        return self.test_unsafe_ledger and not self.is_production

    @property
    def ignored_test_switches(self) -> list[str]:
        """The test-only variables that are set but ignored, because this is production."""
        if not self.is_production:
            return []
        switches = {
            "FAILPOINT": bool(self.failpoint),
            "TEST_UNSAFE_LEDGER": self.test_unsafe_ledger,
        }
        return [ENV_PREFIX + name for name, is_set in switches.items() if is_set]


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


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
