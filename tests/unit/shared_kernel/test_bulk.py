"""Pausing the cyclic collector for bulk work, and resuming it after the last pause."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from shared_kernel.application.bulk import collector_paused, with_collector_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_during_a_pause_and_on_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_keep_it_off_until_the_last_ends() -> None:
    gc.enable()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first to start ends first
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_failure_inside_still_ends_the_pause() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("bulk work failed")
    assert gc.isenabled()


class Rows:
    """Stands for what bulk work holds (weak-referenceable)."""


async def test_decorated_work_runs_paused_and_returns_its_result() -> None:
    gc.enable()

    @with_collector_paused
    async def work(count: int) -> tuple[int, bool]:
        return count, gc.isenabled()

    assert await work(3) == (3, False)
    assert gc.isenabled()


async def test_the_pause_ends_after_what_the_work_held_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc.enable()
    held: list[weakref.ref[Rows]] = []
    alive_when_resumed: list[bool] = []
    resume = gc.enable

    def recording_enable() -> None:
        alive_when_resumed.append(held[0]() is not None)
        resume()

    monkeypatch.setattr(gc, "enable", recording_enable)  # bulk.gc is this same module

    @with_collector_paused
    async def work() -> None:
        rows = Rows()
        held.append(weakref.ref(rows))

    await work()
    assert alive_when_resumed == [False]
