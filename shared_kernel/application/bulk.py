"""Bulk work: the cyclic garbage collector paused while it runs."""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_pauses = 0
_collector_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector until the last concurrent pause ends.

    Bulk work keeps everything it makes until it is done: each collection of
    the youngest generation then walks 100,000 new objects (the served
    threshold) only to find them all alive. A 100,000-row CSV import made
    1.7 million such objects, 17 collections, 0.45 s of a 10 s import (timed
    with ``gc.callbacks``, in process, SQLite). Nothing else stops: what other
    requests free meanwhile is freed by reference counting, and cycles wait
    for the next collection after the pause. Pauses nest and overlap (requests
    on one event loop); the collector runs again after the last one, unless it
    was off before the first.
    """
    global _pauses, _collector_was_enabled
    if _pauses == 0:
        _collector_was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _collector_was_enabled:
            gc.enable()


def with_collector_paused(work: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """``work`` (a coroutine function) runs under ``collector_paused``.

    The pause ends once ``work`` has returned, when what it held is gone. A
    pause that ended inside it, with its rows still referenced, would hand the
    next collection every object made meanwhile: 0.1–0.4 s more per import.
    """

    @functools.wraps(work)
    async def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return await work(*args, **kwargs)

    return paused
