"""The throwaway database of a run: a temporary SQLite file, or a database of its own
on the PostgreSQL server named by STOCKBOOK_BENCH_DATABASE_URL (created, then dropped)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from bootstrap.migrations import upgrade_to_heads
from shared_kernel.infrastructure.database import DatabaseUrlError, parse_database_url


class DatabaseProblem(Exception):
    """The benchmark database cannot be made; the message says why, in one line."""


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: URL, statement: str) -> None:
    connection = await asyncpg.connect(_dsn(url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@dataclass
class BenchDatabase:
    url: str
    """SQLAlchemy URL (async driver) of the migrated, empty database."""
    kind: str
    """``sqlite`` or ``postgresql``."""
    _admin_url: URL | None = None
    _name: str | None = None

    @property
    def description(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite {self.url.removeprefix('sqlite+aiosqlite:///')}"
        return f"PostgreSQL database {self._name} (dropped at the end)"

    @classmethod
    def create(cls, server_url: str | None, workdir: Path) -> BenchDatabase:
        if server_url is None:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
            upgrade_to_heads(url)
            return cls(url=url, kind="sqlite")
        try:
            admin_url = parse_database_url(server_url)
        except DatabaseUrlError as error:
            raise DatabaseProblem(f"STOCKBOOK_BENCH_DATABASE_URL: {error}") from None
        if admin_url.get_backend_name() != "postgresql":
            raise DatabaseProblem(
                "STOCKBOOK_BENCH_DATABASE_URL: must be a postgresql:// URL "
                "(leave it unset for SQLite)"
            )
        name = f"stockbook_bench_{secrets.token_hex(5)}"
        try:
            asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise DatabaseProblem(
                f"STOCKBOOK_BENCH_DATABASE_URL: cannot create a database there ({reason})"
            ) from None
        database = cls(
            url=admin_url.set(database=name).render_as_string(hide_password=False),
            kind="postgresql",
            _admin_url=admin_url,
            _name=name,
        )
        try:
            upgrade_to_heads(database.url)
        except BaseException:
            database.drop()
            raise
        return database

    def vacuum_analyze(self) -> None:
        """After a bulk load: what autovacuum would do in the next minutes, done now.

        Fresh planner statistics, and no vacuum of several hundred thousand new
        rows running beside the next measurement on a machine this small.
        """
        if self.kind == "postgresql":
            asyncio.run(_admin(make_url(self.url), "VACUUM (ANALYZE)"))

    def drop(self) -> None:
        if self._admin_url is not None and self._name is not None:
            asyncio.run(
                _admin(self._admin_url, f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            )
            self._name = None
