"""The app as ``stockbook serve`` builds it keeps what it built out of the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bootstrap.app import create_served_app
from bootstrap.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as usual


def test_the_served_app_freezes_what_it_built(unfrozen: None, tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0

    app = create_served_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))

    assert gc.get_freeze_count() > 0
    # the app and its routes are among the frozen objects: no collection walks them
    assert all(o is not app for o in gc.get_objects(generation=2))
