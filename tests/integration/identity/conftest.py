"""The identity context's SQL side on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bootstrap.container import RootContainer


@pytest.fixture
async def identity(container: RootContainer) -> AsyncIterator[Any]:
    """The identity container of a root container on the test database."""
    yield container.identity
    await container.engine().dispose()
