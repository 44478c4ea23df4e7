"""The Portfolio aggregate: opening, renaming, deleting and the events they record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from contexts.portfolio.contracts import PortfolioDeleted, PortfolioOpened, PortfolioRenamed
from contexts.portfolio.domain.portfolio import Portfolio
from shared_kernel.domain.errors import InvalidInput, PreconditionFailed, VersionCheck

NOW = datetime(2025, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def opened(name: str = "Main", currency: str = "usd") -> Portfolio:
    return Portfolio.open(uuid4(), name, " A description ", currency, NOW)


def test_open_normalises_and_records_portfolio_opened() -> None:
    portfolio = opened("  Main  ")
    assert (portfolio.name, portfolio.description, portfolio.currency) == (
        "Main",
        "A description",
        "USD",
    )
    assert (portfolio.version, portfolio.created_at, portfolio.updated_at) == (1, NOW, NOW)
    (event,) = portfolio.pull_events()
    assert isinstance(event, PortfolioOpened)
    assert (event.portfolio_id, event.owner_id, event.name, event.currency) == (
        portfolio.id,
        portfolio.owner_id,
        "Main",
        "USD",
    )
    assert event.occurred_at == NOW
    assert portfolio.pull_events() == []


@pytest.mark.parametrize(
    ("name", "description", "currency", "field"),
    [
        ("", None, "USD", "name"),
        ("   ", None, "USD", "name"),
        ("x" * 101, None, "USD", "name"),
        ("A", "x" * 501, "USD", "description"),
        ("A", None, "ABC", "currency"),
        ("A", None, "", "currency"),
    ],
)
def test_open_refuses_invalid_fields(
    name: str, description: str | None, currency: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        Portfolio.open(uuid4(), name, description, currency, NOW)
    assert refused.value.errors[0].field == field


def test_rename_bumps_the_version_and_records_portfolio_renamed() -> None:
    portfolio = opened()
    portfolio.pull_events()
    portfolio.rename("New", None, VersionCheck(1), LATER)
    assert (portfolio.name, portfolio.description, portfolio.version) == ("New", None, 2)
    assert portfolio.updated_at == LATER
    assert portfolio.created_at == NOW
    assert portfolio.currency == "USD"
    (event,) = portfolio.pull_events()
    assert isinstance(event, PortfolioRenamed)
    assert (event.name, event.description, event.version) == ("New", None, 2)


def test_a_rename_to_the_same_values_changes_nothing() -> None:
    portfolio = opened()
    portfolio.pull_events()
    portfolio.rename(" Main ", "A description", VersionCheck(), LATER)
    assert portfolio.version == 1
    assert portfolio.updated_at == NOW
    assert portfolio.pull_events() == []


def test_a_stale_version_is_refused_before_anything_changes() -> None:
    portfolio = opened()
    with pytest.raises(PreconditionFailed):
        portfolio.rename("Other", None, VersionCheck(2), LATER)
    with pytest.raises(PreconditionFailed):
        portfolio.delete(VersionCheck(0), LATER)
    assert portfolio.name == "Main"
    assert portfolio.version == 1
    with pytest.raises(InvalidInput):
        portfolio.rename("", None, VersionCheck(1), LATER)
    assert portfolio.name == "Main"


def test_delete_records_portfolio_deleted() -> None:
    portfolio = opened()
    portfolio.pull_events()
    portfolio.delete(VersionCheck(1), LATER)
    (event,) = portfolio.pull_events()
    assert isinstance(event, PortfolioDeleted)
    assert (event.portfolio_id, event.owner_id, event.occurred_at) == (
        portfolio.id,
        portfolio.owner_id,
        LATER,
    )
