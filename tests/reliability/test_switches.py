"""The test-only switches the reliability tests use, in process: what arms them,
that production never honours them, and what they do."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from typing import TypedDict
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import ConfigurationError, Settings, load_settings
from contexts.transaction.infrastructure.repositories import SqlBookLocks, UnsafeSqlBookLocks
from contexts.transaction.infrastructure.tables import positions
from shared_kernel.infrastructure import failpoints

KEY = "k" * 40


class Switches(TypedDict, total=False):
    """The settings a test turns on (validated by ``Settings``)."""

    test_unsafe_ledger: bool
    env: str
    secret_key: str


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    """No fail-point stays armed in the test process (it would kill pytest)."""
    failpoints.arm(())
    yield
    failpoints.arm(())


def test_an_unarmed_failpoint_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    kills: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: kills.append((pid, sig)))
    failpoints.reach(failpoints.AFTER_COMMIT)
    assert kills == []


def test_an_armed_failpoint_kills_its_own_process_with_sigkill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kills: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: kills.append((pid, sig)))
    failpoints.arm([failpoints.AFTER_COMMIT])
    assert failpoints.armed() == {failpoints.AFTER_COMMIT}
    failpoints.reach(failpoints.AFTER_COMMIT)
    assert kills == [(os.getpid(), signal.SIGKILL)]


def test_an_unknown_failpoint_cannot_be_armed() -> None:
    with pytest.raises(ValueError, match="unknown fail-point nowhere"):
        failpoints.arm(["nowhere"])
    assert failpoints.armed() == frozenset()


def test_settings_name_an_unknown_failpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOCKBOOK_FAILPOINT", "after-commit, before-lunch")
    with pytest.raises(ConfigurationError, match=r"^STOCKBOOK_FAILPOINT: .*before-lunch"):
        load_settings()


def test_development_honours_the_switches() -> None:
    settings = Settings(failpoint=" after-commit ,", test_unsafe_ledger=True)
    assert settings.armed_failpoints == {failpoints.AFTER_COMMIT}
    assert settings.unsafe_ledger
    assert settings.ignored_test_switches == []
    assert not Settings().armed_failpoints
    assert not Settings().unsafe_ledger


def test_production_never_honours_the_switches() -> None:
    settings = Settings(
        env="production", failpoint="after-commit", test_unsafe_ledger=True, secret_key=KEY
    )
    assert settings.armed_failpoints == frozenset()
    assert not settings.unsafe_ledger
    assert settings.ignored_test_switches == [
        "STOCKBOOK_FAILPOINT",
        "STOCKBOOK_TEST_UNSAFE_LEDGER",
    ]
    assert Settings(env="production", secret_key=KEY).ignored_test_switches == []


@pytest.mark.parametrize("env", ["development", "production"])
def test_the_app_arms_what_the_settings_allow(
    env: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    armed: list[frozenset[str]] = []
    monkeypatch.setattr(failpoints, "arm", armed.append)  # never really armed
    settings = Settings(env=env, failpoint="after-commit", test_unsafe_ledger=True, secret_key=KEY)
    with caplog.at_level(logging.WARNING, logger="bootstrap.app"):
        create_app(settings, RootContainer(settings=settings))
    if env == "production":
        assert armed == [frozenset()]
        assert "STOCKBOOK_FAILPOINT is a test-only switch: ignored in production" in caplog.text
        assert "takes no position locks" not in caplog.text
    else:
        assert armed == [{failpoints.AFTER_COMMIT}]
        assert "takes no position locks" in caplog.text


@pytest.mark.parametrize(
    ("switches", "locks"),
    [
        ({}, SqlBookLocks),
        ({"test_unsafe_ledger": True}, UnsafeSqlBookLocks),
        ({"test_unsafe_ledger": True, "env": "production", "secret_key": KEY}, SqlBookLocks),
    ],
)
async def test_only_the_unsafe_switch_takes_the_position_locks_away(
    database_url: str, switches: Switches, locks: type[SqlBookLocks]
) -> None:
    container = RootContainer(settings=Settings(database_url=database_url, **switches))
    try:
        async with container.transaction.unit_of_work() as uow:
            assert type(uow.books) is locks
            await uow.books.lock_positions(uuid4(), [uuid4()])
            locked = await uow.connection.scalar(select(func.count()).select_from(positions))
    finally:
        await container.engine().dispose()
    assert locked == (0 if locks is UnsafeSqlBookLocks else 1)
