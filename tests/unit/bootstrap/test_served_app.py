"""The app as ``stockbook serve`` builds it keeps what it built out of the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bootstrap.app import SERVED_GC_THRESHOLDS, create_served_app
from bootstrap.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as usual
    gc.set_threshold(*thresholds)


def test_the_served_app_freezes_what_it_built(unfrozen: None, tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0

    app = create_served_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))

    assert gc.get_freeze_count() > 0
    # the app and its routes are among the frozen objects: no collection walks them
    assert all(o is not app for o in gc.get_objects(generation=2))


def test_the_served_app_collects_the_young_generation_less_often(
    unfrozen: None, tmp_path: Path
) -> None:
    create_served_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))

    assert gc.get_threshold() == SERVED_GC_THRESHOLDS
    assert SERVED_GC_THRESHOLDS[0] > 700  # CPython's default, which a bulk import paid for
