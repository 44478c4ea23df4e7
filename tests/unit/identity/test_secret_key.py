"""The JWT signing key: required in production, generated once in development."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from bootstrap.app import create_app
from bootstrap.secret_key import MIN_SECRET_BYTES, resolve_secret_key, secret_key_file
from bootstrap.settings import ConfigurationError, Settings, load_settings

GOOD_KEY = "k" * 32


class SettingsValues(TypedDict, total=False):
    """The settings these tests vary (validated by ``Settings``)."""

    env: str
    secret_key: str


def sqlite_settings(tmp_path: Path, **values: Unpack[SettingsValues]) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'book.db'}", **values)


def test_the_minimum_is_32_bytes() -> None:
    assert MIN_SECRET_BYTES == 32


def test_production_without_a_key_stops_with_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as error:
        resolve_secret_key(sqlite_settings(tmp_path, env="production"))
    message = str(error.value)
    assert message.startswith("STOCKBOOK_SECRET_KEY:")
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []  # and no key file is made up


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_key_under_32_bytes_stops_with_one_clear_message(tmp_path: Path, env: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        resolve_secret_key(sqlite_settings(tmp_path, env=env, secret_key="k" * 31))
    assert str(error.value).startswith("STOCKBOOK_SECRET_KEY:")
    assert "32" in str(error.value)
    assert "k" * 31 not in str(error.value)


def test_bytes_are_counted_not_characters(tmp_path: Path) -> None:
    assert resolve_secret_key(sqlite_settings(tmp_path, env="production", secret_key="é" * 16))
    with pytest.raises(ConfigurationError):
        resolve_secret_key(sqlite_settings(tmp_path, env="production", secret_key="é" * 15))


def test_production_uses_the_configured_key_and_writes_no_file(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path, env="production", secret_key=GOOD_KEY)
    assert resolve_secret_key(settings) == GOOD_KEY
    assert list(tmp_path.iterdir()) == []


def test_development_with_a_configured_key_uses_it_and_writes_no_file(tmp_path: Path) -> None:
    assert resolve_secret_key(sqlite_settings(tmp_path, secret_key=GOOD_KEY)) == GOOD_KEY
    assert list(tmp_path.iterdir()) == []


def test_development_generates_a_key_once_beside_the_database_readable_by_owner_only(
    tmp_path: Path,
) -> None:
    settings = sqlite_settings(tmp_path)
    key = resolve_secret_key(settings)
    path = tmp_path / "book.db.secret"
    assert secret_key_file(settings.database_url) == path
    assert path.read_text().strip() == key
    assert len(key.encode()) >= MIN_SECRET_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["book.db.secret"]  # no leftovers

    assert resolve_secret_key(settings) == key  # a restart finds the same key
    assert resolve_secret_key(sqlite_settings(tmp_path)) == key


def test_the_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        resolve_secret_key(sqlite_settings(tmp_path))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "book.db.secret").stat().st_mode) == 0o600


def test_each_database_has_its_own_key(tmp_path: Path) -> None:
    first = resolve_secret_key(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    second = resolve_secret_key(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}"))
    assert first != second


def test_the_key_file_is_created_with_its_directory(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'data' / 'book.db'}")
    resolve_secret_key(settings)
    assert (tmp_path / "data" / "book.db.secret").is_file()


def test_without_a_sqlite_file_the_key_is_kept_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    key = resolve_secret_key(Settings(database_url="postgresql+asyncpg://u@db.invalid/book"))
    assert (tmp_path / "stockbook.secret").read_text().strip() == key


@pytest.mark.parametrize("content", ["", "\n", "short"])
def test_a_damaged_key_file_is_never_used_as_a_key(tmp_path: Path, content: str) -> None:
    """An empty or truncated file must not become a guessable signing key."""
    (tmp_path / "book.db.secret").write_text(content)
    with pytest.raises(ConfigurationError) as error:
        resolve_secret_key(sqlite_settings(tmp_path))
    assert str(error.value).startswith("STOCKBOOK_SECRET_KEY:")
    assert "book.db.secret" in str(error.value)


def test_an_unreadable_key_file_stops_with_one_clear_message(tmp_path: Path) -> None:
    (tmp_path / "book.db.secret").mkdir()
    with pytest.raises(ConfigurationError) as error:
        resolve_secret_key(sqlite_settings(tmp_path))
    assert str(error.value).startswith("STOCKBOOK_SECRET_KEY:")


def test_the_app_refuses_to_be_built_in_production_without_a_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"^STOCKBOOK_SECRET_KEY:"):
        create_app(sqlite_settings(tmp_path, env="production"))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("STOCKBOOK_ACCESS_TOKEN_MINUTES", "0"),
        ("STOCKBOOK_ACCESS_TOKEN_MINUTES", "half an hour"),
        ("STOCKBOOK_ALLOW_REGISTRATION", "perhaps"),
        ("STOCKBOOK_ENV", "staging"),
    ],
)
def test_bad_identity_settings_name_their_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    assert str(error.value).startswith(f"{variable}:")


def test_identity_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STOCKBOOK_"):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.access_token_minutes == 30
    assert settings.allow_registration is True
    assert settings.env == "development"
    assert settings.secret_key is None


@pytest.mark.parametrize(("value", "expected"), [("false", False), ("0", False), ("true", True)])
def test_allow_registration_reads_booleans(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("STOCKBOOK_ALLOW_REGISTRATION", value)
    assert load_settings().allow_registration is expected


def test_the_secret_key_is_not_shown_in_the_settings_repr() -> None:
    settings = Settings(secret_key=GOOD_KEY + "-do-not-show")
    assert "do-not-show" not in repr(settings)
    assert "do-not-show" not in str(settings)
