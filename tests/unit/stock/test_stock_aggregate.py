"""The Stock aggregate records what happened to it, and honours If-Match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contexts.stock.contracts import StockDelisted, StockRegistered, StockUpdated
from contexts.stock.domain.stock import Stock, StockDetails
from shared_kernel.domain.errors import PreconditionFailed, VersionCheck

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def registered() -> Stock:
    details = StockDetails.checked(
        name="Apple Inc.",
        sector="Information Technology",
        industry_group="Technology Hardware & Equipment",
        exchange="NASDAQ",
        grade="a",
    )
    return Stock.register("aapl", "usd", details, NOW)


def test_registration_records_stock_registered() -> None:
    stock = registered()
    (event,) = stock.pull_events()
    assert isinstance(event, StockRegistered)
    assert event.stock_id == stock.id
    assert (event.symbol, event.name, event.currency) == ("AAPL", "Apple Inc.", "USD")
    assert (event.sector, event.industry_group) == (
        "Information Technology",
        "Technology Hardware & Equipment",
    )
    assert event.occurred_at == NOW


def test_pulling_events_empties_the_list() -> None:
    stock = registered()
    assert len(stock.pull_events()) == 1
    assert stock.pull_events() == []


def test_a_change_bumps_the_version_and_records_stock_updated() -> None:
    stock = registered()
    stock.pull_events()
    details = StockDetails.checked(name="Apple", sector="Information Technology", grade="B")
    stock.update(details, VersionCheck(), LATER)
    assert stock.version == 2
    assert stock.updated_at == LATER
    assert stock.created_at == NOW
    assert stock.details == details
    (event,) = stock.pull_events()
    assert isinstance(event, StockUpdated)
    assert (event.stock_id, event.name, event.version) == (stock.id, "Apple", 2)
    assert (event.sector, event.industry_group, event.exchange, event.grade) == (
        "Information Technology",
        None,
        None,
        "B",
    )
    assert event.occurred_at == LATER


def test_an_update_that_changes_nothing_records_nothing() -> None:
    stock = registered()
    stock.pull_events()
    stock.update(stock.details, VersionCheck(1), LATER)
    assert stock.version == 1
    assert stock.updated_at == NOW
    assert stock.pull_events() == []


def test_update_with_matching_version_succeeds() -> None:
    stock = registered()
    stock.update(StockDetails.checked(name="Apple"), VersionCheck(1), LATER)
    assert stock.version == 2


def test_update_with_stale_version_is_refused_and_changes_nothing() -> None:
    stock = registered()
    stock.pull_events()
    before = stock.details
    with pytest.raises(PreconditionFailed):
        stock.update(StockDetails.checked(name="Apple"), VersionCheck(7), LATER)
    assert (stock.details, stock.version) == (before, 1)
    assert stock.pull_events() == []


def test_the_version_is_checked_even_when_nothing_changes() -> None:
    stock = registered()
    with pytest.raises(PreconditionFailed):
        stock.update(stock.details, VersionCheck(2), LATER)


def test_delisting_records_stock_delisted_once() -> None:
    stock = registered()
    stock.pull_events()
    stock.delist(VersionCheck(1), LATER)
    assert stock.listed is False
    assert stock.version == 2
    (event,) = stock.pull_events()
    assert isinstance(event, StockDelisted)
    assert (event.stock_id, event.symbol, event.occurred_at) == (stock.id, "AAPL", LATER)

    stock.delist(VersionCheck(), LATER + timedelta(hours=1))
    assert stock.version == 2
    assert stock.updated_at == LATER
    assert stock.pull_events() == []


def test_delisting_with_stale_version_is_refused() -> None:
    stock = registered()
    with pytest.raises(PreconditionFailed) as error:
        stock.delist(VersionCheck(3), LATER)
    assert stock.listed is True
    assert error.value.code == "PRECONDITION_FAILED"
    assert "version 1" in error.value.detail


class TestVersionCheck:
    def test_no_expectation_accepts_any_version(self) -> None:
        VersionCheck().verify(1, "x")
        VersionCheck(None).verify(99, "x")

    def test_equal_version_passes(self) -> None:
        VersionCheck(3).verify(3, "x")

    @pytest.mark.parametrize("expected", [2, 4, 0])
    def test_other_version_fails(self, expected: int) -> None:
        with pytest.raises(PreconditionFailed, match=f"Stock AAPL is at version 3, not {expected}"):
            VersionCheck(expected).verify(3, "Stock AAPL")

    def test_a_tag_that_is_not_ours_fails_without_naming_a_version(self) -> None:
        with pytest.raises(PreconditionFailed) as failed:
            VersionCheck(VersionCheck.NO_VERSION).verify(3, "Stock AAPL")
        assert failed.value.detail == (
            "Stock AAPL is at version 3; If-Match names no version of it. Fetch it again."
        )
