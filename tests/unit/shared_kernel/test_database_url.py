"""Database URLs: normalised to their async driver, refused when unusable."""

from __future__ import annotations

import pytest

from shared_kernel.infrastructure.database import DatabaseUrlError, parse_database_url


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u@db.example/book", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@db.example/book", "postgresql+asyncpg"),
        ("sqlite:///book.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///book.db", "sqlite+aiosqlite"),
    ],
)
def test_each_database_gets_its_async_driver(raw: str, driver: str) -> None:
    assert parse_database_url(raw).drivername == driver


@pytest.mark.parametrize(
    "raw", ["mysql://u@db/book", "sqlite://", "sqlite:///:memory:", "not a url at all"]
)
def test_unusable_urls_are_refused(raw: str) -> None:
    with pytest.raises(DatabaseUrlError):
        parse_database_url(raw)


def test_postgresql_s_sslmode_is_passed_on_as_asyncpg_s_ssl() -> None:
    """Managed PostgreSQL hands out libpq URLs; asyncpg refuses ``sslmode``."""
    url = parse_database_url(
        "postgresql://u@db.example/book?sslmode=verify-full&application_name=x"
    )
    assert dict(url.query) == {"ssl": "verify-full", "application_name": "x"}
    with pytest.raises(DatabaseUrlError, match="ssl or sslmode, not both"):
        parse_database_url("postgresql://u@db.example/book?sslmode=require&ssl=disable")
