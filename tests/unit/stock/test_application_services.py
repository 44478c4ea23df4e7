"""The stock use cases with an in-memory unit of work: the rules they apply
before any storage is touched, and the events they publish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from uuid import UUID, uuid4

import pytest

from contexts.stock.application.catalog import CatalogService, UpdateStock
from contexts.stock.application.prices import PriceService, RecordPrices
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.contracts import SplitInfo, StockPricesRecorded, StockSplitRecorded
from contexts.stock.domain.errors import SplitLeavesPositionShort, StockNotFound
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import Split
from contexts.stock.domain.stock import Stock, StockDetails
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.errors import ImportRejected, InvalidInput
from shared_kernel.domain.events import IntegrationEvent

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


class Store:
    """What the fake units of work share, like a database."""

    def __init__(self) -> None:
        self.stocks: dict[UUID, Stock] = {}
        self.prices: dict[tuple[UUID, date], DailyPrice] = {}
        self.splits: list[Split] = []
        self.published: list[IntegrationEvent] = []
        self.commits = 0


class FakeStocks:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, stock: Stock) -> None:
        self.store.stocks[stock.id] = stock

    async def get(self, stock_id: UUID) -> Stock | None:
        return self.store.stocks.get(stock_id)

    async def save(self, stock: Stock) -> None:
        self.store.stocks[stock.id] = stock

    async def ids_by_symbol(self, symbols: Sequence[str]) -> dict[str, UUID]:
        return {s.symbol: s.id for s in self.store.stocks.values() if s.symbol in symbols}


class FakePrices:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def upsert(self, stock_id: UUID, prices: Sequence[DailyPrice]) -> None:
        for price in prices:
            self.store.prices[stock_id, price.date] = price


class FakeSplits:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, split: Split) -> None:
        self.store.splits.append(split)


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.stocks = FakeStocks(store)
        self.prices = FakePrices(store)
        self.splits = FakeSplits(store)
        self._events: list[IntegrationEvent] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._events.clear()

    def collect(self, aggregate: AggregateRoot) -> None:
        self._events += aggregate.pull_events()

    def publish(self, event: IntegrationEvent) -> None:
        self._events.append(event)

    async def claim_events(self, event_ids: Sequence[UUID], subscriber_name: str) -> set[UUID]:
        return set(event_ids)

    async def commit(self) -> None:
        self.store.published += self._events
        self._events = []
        self.store.commits += 1


@pytest.fixture
def store() -> Store:
    return Store()


def factory(store: Store) -> Any:
    return lambda: FakeUnitOfWork(store)


def a_stock(store: Store, symbol: str = "AAPL") -> Stock:
    stock = Stock.register(symbol, "USD", StockDetails.checked(name=f"{symbol} Inc."), NOW)
    stock.pull_events()
    store.stocks[stock.id] = stock
    return stock


class TestPriceService:
    async def test_records_and_publishes_one_event_per_stock(self, store: Store) -> None:
        stock = a_stock(store)
        service = PriceService(factory(store), FixedClock())
        prices = [DailyPrice(date(2025, 1, d), Decimal(d)) for d in (3, 1, 2)]
        assert await service.record(RecordPrices(stock.id, prices)) == 3
        (event,) = store.published
        assert isinstance(event, StockPricesRecorded)
        assert (event.stock_id, event.first_date, event.last_date, event.count) == (
            stock.id,
            date(2025, 1, 1),
            date(2025, 1, 3),
            3,
        )

    @pytest.mark.parametrize("count", [0, 10_001])
    async def test_refuses_an_empty_or_oversized_batch(self, store: Store, count: int) -> None:
        stock = a_stock(store)
        service = PriceService(factory(store), FixedClock())
        prices = [DailyPrice(date.fromordinal(700_000 + i), Decimal(1)) for i in range(count)]
        with pytest.raises(InvalidInput) as error:
            await service.record(RecordPrices(stock.id, prices))
        assert error.value.errors[0].field == "prices"
        assert store.commits == 0

    async def test_the_day_after_today_is_accepted_but_not_the_one_after(
        self, store: Store
    ) -> None:
        stock = a_stock(store)
        service = PriceService(factory(store), FixedClock())
        tomorrow = DailyPrice(date(2025, 6, 3), Decimal(1))
        assert await service.record(RecordPrices(stock.id, [tomorrow])) == 1
        with pytest.raises(InvalidInput) as error:
            await service.record(RecordPrices(stock.id, [DailyPrice(date(2025, 6, 4), Decimal(1))]))
        assert [(e.field, e.message) for e in error.value.errors] == [
            ("prices.0.date", "is in the future")
        ]

    async def test_an_unknown_stock_is_not_found(self, store: Store) -> None:
        service = PriceService(factory(store), FixedClock())
        with pytest.raises(StockNotFound):
            await service.record(RecordPrices(uuid4(), [DailyPrice(date(2025, 1, 2), Decimal(1))]))

    async def test_import_counts_rows_and_stocks(self, store: Store) -> None:
        a_stock(store, "AAPL")
        a_stock(store, "MSFT")
        service = PriceService(factory(store), FixedClock())
        content = b"symbol,date,close\naapl,2025-01-02,1\nAAPL,2025-01-03,2\nMSFT,2025-01-02,3\n"
        result = await service.import_csv(content)
        assert (result.recorded, result.stocks) == (3, 2)
        assert len(store.prices) == 3
        assert sorted(e.count for e in store.published if isinstance(e, StockPricesRecorded)) == [
            1,
            2,
        ]

    async def test_import_volume_must_be_plain_digits(self, store: Store) -> None:
        a_stock(store)
        service = PriceService(factory(store), FixedClock())
        for volume in ("1.5", "-1", "1e3", "١٢", "9" * 19):
            content = f"symbol,date,close,volume\nAAPL,2025-01-02,1,{volume}\n".encode()
            with pytest.raises(ImportRejected) as error:
                await service.import_csv(content)
            assert [(e.line, e.field) for e in error.value.errors] == [(2, "volume")], volume
        assert store.prices == {}


class TestCatalogService:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"symbol": "X"}, "symbol"),
            ({"currency": "EUR"}, "currency"),
            ({"listed": "false"}, "listed"),
            ({"name": None}, "name"),
        ],
    )
    async def test_refuses_what_may_not_change_before_loading(
        self, store: Store, changes: dict[str, str | None], field: str
    ) -> None:
        service = CatalogService(factory(store), reader=None, clock=FixedClock())  # type: ignore[arg-type]
        with pytest.raises(InvalidInput) as error:
            await service.update(UpdateStock(stock_id=uuid4(), changes=changes))
        assert error.value.errors[0].field == field

    async def test_an_unknown_stock_is_not_found(self, store: Store) -> None:
        service = CatalogService(factory(store), reader=None, clock=FixedClock())  # type: ignore[arg-type]
        with pytest.raises(StockNotFound):
            await service.update(UpdateStock(stock_id=uuid4(), changes={"grade": "A"}))


class NoShortPositions:
    """``HeldPositions`` where no split leaves anything short."""

    async def shortfall_after_split(self, stock_id: UUID, split: SplitInfo) -> str | None:
        return None


class ShortPositions:
    """``HeldPositions`` where every split would leave a position short."""

    async def shortfall_after_split(self, stock_id: UUID, split: SplitInfo) -> str | None:
        return f"{split.numerator}-for-{split.denominator} leaves one short"


class TestSplitService:
    async def test_refuses_a_split_that_leaves_a_position_short(self, store: Store) -> None:
        stock = a_stock(store)
        service = SplitService(factory(store), ShortPositions(), FixedClock())
        with pytest.raises(SplitLeavesPositionShort) as refused:
            await service.record(RecordSplit(stock.id, date(2024, 6, 10), 1, 2))
        assert refused.value.code == "INSUFFICIENT_QUANTITY"
        assert refused.value.detail == "1-for-2 leaves one short"
        assert store.splits == []

    async def test_records_and_publishes(self, store: Store) -> None:
        stock = a_stock(store)
        view = await SplitService(factory(store), NoShortPositions(), FixedClock()).record(
            RecordSplit(stock.id, date(2024, 6, 10), 10, 1)
        )
        (split,) = store.splits
        assert (view.id, view.stock_id, view.numerator, view.denominator) == (
            split.id,
            stock.id,
            10,
            1,
        )
        (event,) = store.published
        assert isinstance(event, StockSplitRecorded)
        assert event.split_id == split.id

    async def test_a_split_after_today_is_refused(self, store: Store) -> None:
        """Holdings apply a split once recorded: one dated tomorrow would change
        today's shares, which the ledger and the performance report do not."""
        stock = a_stock(store)
        service = SplitService(factory(store), NoShortPositions(), FixedClock())
        await service.record(RecordSplit(stock.id, NOW.date(), 2, 1))
        with pytest.raises(InvalidInput) as refused:
            await service.record(RecordSplit(stock.id, NOW.date() + timedelta(days=1), 3, 1))
        assert [(e.field, e.message) for e in refused.value.errors] == [
            ("effective_date", "is after today (UTC): record a split from its effective date on")
        ]
        assert len(store.splits) == 1

    async def test_checks_the_ratio_before_the_stock(self, store: Store) -> None:
        service = SplitService(factory(store), NoShortPositions(), FixedClock())
        with pytest.raises(InvalidInput):
            await service.record(RecordSplit(uuid4(), date(2024, 6, 10), 2, 2))
        with pytest.raises(StockNotFound):
            await service.record(RecordSplit(uuid4(), date(2024, 6, 10), 2, 1))
