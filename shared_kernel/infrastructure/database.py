"""Engine factory for the two supported databases.

Reads run without an explicit transaction: each statement sees what was
committed when it started (PostgreSQL's READ COMMITTED, which is what a read
transaction there gave anyway), and a read costs no BEGIN and ROLLBACK round
trips. A plain ``engine.connect()`` is such a reader; a read in several
statements that must agree uses ``read_snapshot``; every write goes through
``write_transaction``, which opens a real transaction.

SQLite runs in WAL mode with a busy timeout, and with the driver's own
transaction handling switched off so that SQLAlchemy's ``begin`` decides:
``BEGIN IMMEDIATE`` for writers (they take the write lock up front, so two
racing writers queue instead of both reading a stale state), nothing for
readers (autocommit, one snapshot per statement). The hottest reads skip
the driver's thread altogether (``sqlite_reader``). PostgreSQL connections are
in autocommit as far as SQLAlchemy knows; ``write_transaction`` begins a READ
COMMITTED transaction on the driver's connection, and ``commit`` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

WRITE_TRANSACTION = "stockbook_write_transaction"
WRITER_ISOLATION_LEVEL = "read_committed"
_OPEN_TRANSACTION = "stockbook_open_transaction"
"""Where a connection keeps the driver transaction ``write_transaction`` began (PostgreSQL)."""
_DRIVER_CONNECTION = "stockbook_driver_connection"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_POOL_SIZE = 4
"""Connections kept open to a SQLite file, whatever ``pool_size`` says.

Each is a thread of the driver (aiosqlite), and every statement hands the GIL
to one of them and back: with 32 such threads a page of 50 stocks cost twice
the CPU it costs with 4. The file has one writer at a time anyway, and reads
take a fraction of a millisecond each. As many again may be opened when more
are needed at once (a write that reads on a second connection), and closed
when returned.
"""

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class DatabaseUrlError(ValueError):
    """The configured database URL cannot be used."""


def parse_database_url(raw: str) -> URL:
    """Parse and normalise a database URL to its async driver.

    ``postgresql://`` becomes ``postgresql+asyncpg://`` and ``sqlite:///``
    becomes ``sqlite+aiosqlite:///``; any other scheme is refused, and so is
    SQLite without a file (each pooled connection would see its own database).
    PostgreSQL's ``sslmode`` is passed on as asyncpg's ``ssl``.
    """
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(f"cannot parse database URL {raw!r}") from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseUrlError(
            f"unsupported database {url.drivername!r}: use postgresql+asyncpg:// "
            "or sqlite+aiosqlite:///"
        )
    url = url.set(drivername=driver)
    if is_sqlite(url):
        sqlite_file(url)
    elif "sslmode" in url.query:
        # libpq's name, which URLs of managed PostgreSQL carry; asyncpg calls it ssl
        # and takes the same values (disable, allow, prefer, require, verify-ca, verify-full)
        if "ssl" in url.query:
            raise DatabaseUrlError("a database URL may give ssl or sslmode, not both")
        url = url.difference_update_query(["sslmode"]).update_query_dict(
            {"ssl": url.query["sslmode"]}
        )
    return url


def sqlite_file(url: URL) -> str:
    """The file of a SQLite URL."""
    if not url.database or url.database == ":memory:":
        raise DatabaseUrlError("a SQLite database URL must name a file: sqlite:///path/to/file.db")
    return url.database


DIALECT_INSERTS: dict[str, Callable[[Table], Any]] = {
    "postgresql": pg_insert,
    "sqlite": sqlite_insert,
}
"""Each database's own ``insert``, the one that takes ``ON CONFLICT`` clauses."""


def conflict_insert(connection: AsyncConnection, table: Table) -> Any:
    """An INSERT for ``table`` that takes ``ON CONFLICT`` clauses on the connection's database."""
    return DIALECT_INSERTS[connection.dialect.name](table)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def pool_overflow(pool_size: int) -> int:
    """Connections opened beyond ``pool_size`` under load, closed again when returned.

    A small margin, not a second pool: opening a connection costs a thread and
    its pragmas on SQLite, a login (and TLS negotiation) on PostgreSQL, so a
    pool smaller than the usual number of requests in flight opens and closes
    connections all the time.
    """
    return max(1, pool_size // 4)


def create_engine(url: URL, pool_size: int = 20) -> AsyncEngine:
    """An engine keeping ``pool_size`` PostgreSQL connections open (plus ``pool_overflow``
    under load), or ``SQLITE_POOL_SIZE`` to a SQLite file."""
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_pre_ping=False,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        max_overflow=pool_overflow(pool_size),
    )

    @event.listens_for(engine.sync_engine, "commit")
    def _refuse_commit_past_the_transaction(connection: Connection) -> None:
        if _OPEN_TRANSACTION in connection.info:
            raise RuntimeError("commit a write_transaction with database.commit(connection)")

    return engine


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _fold_case_in_every_script(connection: Any) -> None:
    """SQLite's own ``lower()`` folds only A to Z (``É`` stays ``É``); PostgreSQL's,
    in a UTF-8 database, folds every script. Python's, in its place, makes a
    case-insensitive search find the same rows on both."""
    connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        _fold_case_in_every_script(dbapi_connection)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_TRANSACTION, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


_sqlite_readers: WeakKeyDictionary[Engine, threading.local] = WeakKeyDictionary()


def sqlite_reader(engine: AsyncEngine) -> sqlite3.Connection:
    """This thread's read-only connection to the engine's SQLite file, for reads that
    run on the event loop's thread itself.

    SQLite answers a small indexed read in microseconds; handing it to an
    aiosqlite thread and back costs a hundred times that (a by-id read took
    0.61 ms of CPU that way, 0.18 ms this way). In WAL mode a reader does not
    wait for writers; it sees what was committed when its statement started,
    like every autocommit read. ``query_only`` makes it refuse any write.
    """
    local = _sqlite_readers.get(engine.sync_engine)
    if local is None:
        local = _sqlite_readers[engine.sync_engine] = threading.local()
    connection: sqlite3.Connection | None = getattr(local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(
            sqlite_file(engine.url), timeout=SQLITE_BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
        connection.execute("PRAGMA query_only=ON")
        _fold_case_in_every_script(connection)
        local.connection = connection
    return connection


_sqlite_writers: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


@contextlib.asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that will write; ``commit`` it explicitly.

    On PostgreSQL it is an ordinary READ COMMITTED transaction (row locks are
    taken where needed), begun on the driver's connection before the block
    runs, so that a statement run on the driver itself (``CompiledWrite``)
    is inside it from the first. SQLite has one writer at a time: the
    process's writers queue on an asyncio lock first — waiting there holds
    no pooled connection, so a writer that needs a second connection for a
    read cannot starve — and the transaction starts with ``BEGIN IMMEDIATE``
    (other processes queue on the busy timeout). Leaving without a commit
    rolls back.
    """
    async with contextlib.AsyncExitStack() as stack:
        if is_sqlite(engine.url):
            lock = _sqlite_writers.setdefault(engine.sync_engine, asyncio.Lock())
            await stack.enter_async_context(lock)
            connection = await stack.enter_async_context(engine.connect())
            await connection.execution_options(**{WRITE_TRANSACTION: True})
            await connection.begin()
            yield connection
            return
        connection = await stack.enter_async_context(engine.connect())
        yield await stack.enter_async_context(_driver_transaction(connection))


@contextlib.asynccontextmanager
async def one_statement_write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for a write of one statement, committed when the block ends.

    PostgreSQL runs it in autocommit: a single statement is atomic, and needs no
    BEGIN and COMMIT round trips. SQLite runs it in a ``write_transaction``, as
    every SQLite write (its writers take turns). Two statements in the block
    would not be one transaction on PostgreSQL: use ``write_transaction``.
    """
    if is_sqlite(engine.url):
        async with write_transaction(engine) as connection:
            yield connection
            await commit(connection)
        return
    async with engine.connect() as connection:
        yield connection


@contextlib.asynccontextmanager
async def read_snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose statements all see one snapshot of the database, for a
    read in several statements that must not see a write land between two of them
    (an export read in batches: a sale without the purchase it needs). It only
    reads, and ends with a rollback.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction on the driver's
    connection. SQLite: a deferred transaction, whose first read fixes its
    snapshot (WAL mode).
    """
    async with engine.connect() as connection:
        if is_sqlite(engine.url):
            await connection.exec_driver_sql("BEGIN")
            try:
                yield connection
            finally:
                await connection.exec_driver_sql("ROLLBACK")
            return
        driver = await driver_connection(connection)
        transaction = driver.transaction(isolation="repeatable_read", readonly=True)
        await _start(connection, transaction)
        try:
            yield connection
        finally:
            await _roll_back(connection, transaction)


@contextlib.asynccontextmanager
async def _driver_transaction(connection: AsyncConnection) -> AsyncIterator[AsyncConnection]:
    """A transaction begun on an asyncpg connection, which SQLAlchemy keeps in
    autocommit: its statements and the driver's alike run inside it.

    Should the BEGIN or the ROLLBACK not go through (a lost connection, a
    cancelled task), the connection is closed rather than returned to the pool
    in an unknown state.
    """
    driver = await driver_connection(connection)
    transaction = driver.transaction(isolation=WRITER_ISOLATION_LEVEL)
    await _start(connection, transaction)
    info = connection.info  # the pooled connection's: unreadable once SQLAlchemy invalidates it
    info[_OPEN_TRANSACTION] = transaction
    try:
        await connection.begin()  # SQLAlchemy's own (autocommit) transaction: ``commit`` ends both
        yield connection
    finally:
        if info.pop(_OPEN_TRANSACTION, None) is not None and not connection.invalidated:
            await _roll_back(connection, transaction)


async def _start(connection: AsyncConnection, transaction: Any) -> None:
    """Begin a transaction on the driver's connection; should the BEGIN not go
    through, the connection is closed rather than pooled in an unknown state."""
    try:
        await transaction.start()
    except BaseException:
        await connection.invalidate()
        raise


async def _roll_back(connection: AsyncConnection, transaction: Any) -> None:
    """Roll back, or else close the connection (the server then rolls back, as it
    did when SQLAlchemy closed a connection that a cancelled statement left).

    A ROLLBACK fails when the block was left by a cancellation in the middle of
    a statement ("another operation is in progress"): the error the block was
    left with must go on, not this one.
    """
    try:
        await transaction.rollback()
    except Exception:
        await connection.invalidate()
    except BaseException:
        await connection.invalidate()
        raise


async def commit(connection: AsyncConnection) -> None:
    """Commit the ``write_transaction`` that ``connection`` is in."""
    transaction = connection.info.get(_OPEN_TRANSACTION)
    if transaction is not None:
        await transaction.commit()  # if it fails, leaving the block closes the connection
        del connection.info[_OPEN_TRANSACTION]
    await connection.commit()


async def driver_connection(connection: AsyncConnection) -> Any:
    """The database driver's own connection under ``connection`` (asyncpg's or aiosqlite's)."""
    driver = connection.info.get(_DRIVER_CONNECTION)
    if driver is None:
        driver = connection.info[_DRIVER_CONNECTION] = (
            await connection.get_raw_connection()
        ).driver_connection
    return driver
