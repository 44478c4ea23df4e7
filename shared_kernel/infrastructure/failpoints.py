"""Fail-points: named places where a reliability test can crash the process on purpose.

To prove that a crash at the worst moment loses nothing and applies nothing
twice, a test must be able to kill a real server exactly there. The code marks
such a place with ``reach(NAME)``; it does nothing unless the composition root
armed that name with ``arm`` — which bootstrap does only outside production,
from ``STOCKBOOK_FAILPOINT``. A reached fail-point kills the process with
SIGKILL: no cleanup, no flushing, no ``finally`` — as an OOM kill or a power cut
would (the database's own durability is what is under test).
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterable

logger = logging.getLogger(__name__)

AFTER_COMMIT = "after-commit"
"""A unit of work has committed events and has not delivered them yet."""

KNOWN_FAILPOINTS = frozenset({AFTER_COMMIT})

_armed: frozenset[str] = frozenset()


def arm(names: Iterable[str]) -> None:
    """Arm exactly ``names`` in this process; an empty iterable disarms them all."""
    global _armed
    chosen = frozenset(names)
    unknown = sorted(chosen - KNOWN_FAILPOINTS)
    if unknown:
        raise ValueError(f"unknown fail-point {', '.join(unknown)}")
    _armed = chosen
    for name in sorted(chosen):
        logger.warning("fail-point %s is armed: this process will kill itself there", name)


def armed() -> frozenset[str]:
    return _armed


def reach(name: str) -> None:
    """Kill this process with SIGKILL if ``name`` is armed; otherwise do nothing."""
    if name in _armed:
        logger.critical("fail-point %s reached: killing process %d", name, os.getpid())
        os.kill(os.getpid(), signal.SIGKILL)
