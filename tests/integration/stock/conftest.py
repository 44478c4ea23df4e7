"""Fixtures of the stock integration tests: the stock context wired on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bootstrap.container import RootContainer


@pytest.fixture
async def stock_context(container: RootContainer) -> AsyncIterator[Any]:
    """The stock context's container, built by the root container on the test database.

    No app runs: nothing is subscribed to the bus, and the relay loop is idle.
    """
    yield container.stock
    await container.engine().dispose()
