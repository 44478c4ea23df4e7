"""Use cases of the book: record, void, import and export transactions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from contexts.portfolio.contracts import PortfolioDirectory, PortfolioInfo
from contexts.stock.contracts import SplitInfo, StockCatalog, StockInfo
from contexts.transaction.application.csv_format import (
    TRANSACTION_CSV_COLUMNS,
    ParsedRow,
    format_row,
    parse_transaction_csv,
)
from contexts.transaction.application.idempotency import IdempotentRequest, IdempotentRunner
from contexts.transaction.application.ports import (
    KeyShortcuts,
    StoredResponse,
    TransactionFilter,
    TransactionReader,
    TransactionUnitOfWork,
    TransactionUnitOfWorkFactory,
)
from contexts.transaction.contracts import TransactionRecorded, TransactionVoided
from contexts.transaction.domain.errors import InsufficientQuantity, TransactionNotFound
from contexts.transaction.domain.ledger import (
    LedgerEntry,
    LedgerSplit,
    Shortfall,
    as_decimal,
    first_new_shortfall,
    first_shortfall_of_split,
)
from contexts.transaction.domain.transaction import (
    StockFacts,
    Transaction,
    TransactionInput,
    record_transaction,
)
from shared_kernel.application.bulk import with_collector_paused
from shared_kernel.application.clock import Clock
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import (
    DomainError,
    ErrorDetail,
    ImportRejected,
    InvalidInput,
    NotFound,
    VersionCheck,
)


class PortfolioNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such portfolio.")


@dataclass(frozen=True)
class ImportResult:
    recorded: int
    skipped_duplicates: int
    dry_run: bool


def _entry(transaction: Transaction) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=transaction.id,
        executed_at=transaction.executed_at,
        recorded_at=transaction.recorded_at,
        delta=transaction.share_delta,
    )


@dataclass(frozen=True)
class PositionShortfall:
    shortfall: Shortfall
    sale: Transaction | None
    """The new sale that causes it (None when a removal does)."""
    symbol: str

    @property
    def balance_text(self) -> str:
        return f"{as_decimal(self.shortfall.balance):f}"

    @property
    def date_text(self) -> str:
        return self.shortfall.entry.executed_at.date().isoformat()

    def detail(self) -> str:
        sale = self.sale
        if sale is None or sale.quantity is None:
            return f"That would leave {self.balance_text} {self.symbol} shares on {self.date_text}."
        return (
            f"Selling {sale.quantity:f} {self.symbol} on {sale.executed_at.date().isoformat()} "
            f"would leave {self.balance_text} shares on {self.date_text}."
        )


class BookService:
    def __init__(
        self,
        uow_factory: TransactionUnitOfWorkFactory,
        reader: TransactionReader,
        catalog: StockCatalog,
        directory: PortfolioDirectory,
        key_shortcuts: KeyShortcuts,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._catalog = catalog
        self._directory = directory
        self._clock = clock
        self._runner = IdempotentRunner(uow_factory, key_shortcuts, clock)

    # --- reading ---------------------------------------------------------

    async def owned_portfolio(self, owner_id: UUID, portfolio_id: UUID) -> PortfolioInfo:
        portfolio = await self._directory.get_portfolio(portfolio_id)
        if portfolio is None or portfolio.owner_id != owner_id:
            raise PortfolioNotFound()
        return portfolio

    async def get(self, owner_id: UUID, transaction_id: UUID) -> Transaction:
        transaction = await self._reader.get(transaction_id, owner_id)
        if transaction is None:
            raise TransactionNotFound()
        return transaction

    async def list_transactions(
        self, owner_id: UUID, transaction_filter: TransactionFilter, page: PageRequest
    ) -> Page[Transaction]:
        await self.owned_portfolio(owner_id, transaction_filter.portfolio_id)
        return await self._reader.search(transaction_filter, page)

    async def export_csv(self, owner_id: UUID, portfolio_id: UUID) -> AsyncIterator[str]:
        """The portfolio's live transactions as CSV lines, in the import format."""
        await self.owned_portfolio(owner_id, portfolio_id)

        async def lines() -> AsyncIterator[str]:
            yield ",".join(TRANSACTION_CSV_COLUMNS) + "\r\n"
            async for transaction in self._reader.live_in_order(portfolio_id):
                yield format_row(transaction)

        return lines()

    # --- writing ---------------------------------------------------------

    async def record(
        self,
        owner_id: UUID,
        portfolio_id: UUID,
        request: TransactionInput,
        idempotency: IdempotentRequest | None,
        render: Callable[[Transaction], StoredResponse],
    ) -> StoredResponse:
        portfolio = await self.owned_portfolio(owner_id, portfolio_id)
        stock = await self._stock_facts(request.stock_id)
        # Only a sale can leave its position short: only a sale replays the ledger.
        splits = await self._splits([stock.stock_id] if stock and request.sells_shares else [])

        async def work(uow: TransactionUnitOfWork) -> Transaction:
            await self._enter_book(uow, portfolio_id, exclusive=False)
            transaction = record_transaction(
                request,
                portfolio_id=portfolio_id,
                owner_id=owner_id,
                portfolio_currency=portfolio.currency,
                stock=stock,
                now=self._clock.now(),
            )
            for shortfall in await self._shortfalls(uow, portfolio_id, [transaction], [], splits):
                raise InsufficientQuantity(shortfall.detail())
            await self._write(uow, [transaction])
            return transaction

        return await self._runner.run(owner_id, portfolio_id, idempotency, work, render)

    async def void(self, owner_id: UUID, transaction_id: UUID, expected: VersionCheck) -> None:
        """Void the transaction; voiding a void one changes nothing. ``expected`` is
        the version the caller saw (``Transaction.version``)."""
        seen = await self.get(owner_id, transaction_id)
        splits = await self._splits([seen.stock_id] if seen.stock_id else [])
        async with self._uow_factory() as uow:
            transaction = await uow.transactions.get(transaction_id, owner_id)
            if transaction is None:
                raise TransactionNotFound()
            expected.verify(transaction.version, "The transaction")
            if transaction.voided_at is not None:
                return
            await self._enter_book(uow, transaction.portfolio_id, exclusive=False)
            for shortfall in await self._shortfalls(
                uow, transaction.portfolio_id, [], [transaction], splits
            ):
                raise InsufficientQuantity(
                    f"Voiding this {transaction.type.value} would leave "
                    f"{shortfall.balance_text} {shortfall.symbol} shares on {shortfall.date_text}."
                )
            now = self._clock.now()
            voided = transaction.voided(now)
            if not await uow.transactions.mark_voided(voided):
                # a concurrent void got there first (it published the event): what
                # this caller saw is no longer so
                expected.verify(voided.version, "The transaction")
                return
            uow.publish(TransactionVoided(transaction=voided.data(), occurred_at=now))
            await uow.commit()

    @with_collector_paused  # the import holds every row it makes until it answers
    async def import_csv(
        self,
        owner_id: UUID,
        portfolio_id: UUID,
        content: bytes,
        dry_run: bool,
        idempotency: IdempotentRequest | None,
        render: Callable[[ImportResult], StoredResponse],
    ) -> StoredResponse:
        portfolio = await self.owned_portfolio(owner_id, portfolio_id)
        if idempotency is not None and (
            answer := await self._runner.stored_answer(owner_id, idempotency)
        ):
            return answer  # a retry: neither parsed nor checked again
        rows, parse_errors = parse_transaction_csv(content)
        stocks = await self._catalog.get_stocks_by_symbol(
            sorted({row.symbol for row in rows if row.symbol})
        )
        splits = await self._splits([info.stock_id for info in stocks.values()])
        facts = {symbol: _facts(info) for symbol, info in stocks.items()}

        async def work(uow: TransactionUnitOfWork) -> ImportResult:
            # Exclusive: the external ids and positions it reads stay true until it commits.
            await self._enter_book(uow, portfolio_id, exclusive=True)
            errors = list(parse_errors)
            existing = await uow.transactions.live_by_external_id(
                portfolio_id,
                [row.request.external_id for row in rows if row.request.external_id],
            )
            accepted: list[tuple[int, Transaction]] = []
            seen_external_ids: dict[str, int] = {}
            skipped = 0
            now = self._clock.now()
            for row_index, row in enumerate(rows):
                try:
                    # The rows are recorded in file order: at one executed_at, the
                    # ledger (and the export) orders transactions by recorded_at.
                    transaction = self._row_transaction(
                        row,
                        facts,
                        portfolio,
                        owner_id,
                        now,
                        recorded_at=now + timedelta(microseconds=row_index),
                    )
                except DomainError as error:
                    errors += [
                        # a file names its stock in the ``symbol`` column
                        ErrorDetail(
                            line=row.line,
                            field="symbol" if e.field == "stock_id" else e.field,
                            message=e.message,
                        )
                        for e in error.errors
                    ] or [ErrorDetail(line=row.line, message=error.detail)]
                    continue
                external_id = transaction.external_id
                if external_id is not None and (recorded := existing.get(external_id)):
                    # the same movement again is a duplicate; a corrected one must not
                    # be skipped with the old figures left standing
                    if recorded.moves_as(transaction):
                        skipped += 1
                    else:
                        errors.append(
                            ErrorDetail(
                                line=row.line,
                                field="external_id",
                                message=f"{external_id} already names another transaction of"
                                f" the portfolio ({recorded.summary}): void it to record this one",
                            )
                        )
                    continue
                if external_id is not None and external_id in seen_external_ids:
                    errors.append(
                        ErrorDetail(
                            line=row.line,
                            field="external_id",
                            message=f"repeats line {seen_external_ids[external_id]}",
                        )
                    )
                    continue
                if external_id is not None:
                    seen_external_ids[external_id] = row.line
                accepted.append((row.line, transaction))
            if accepted:
                lines = {transaction.id: line for line, transaction in accepted}
                for shortfall in await self._shortfalls(
                    uow, portfolio_id, [t for _, t in accepted], [], splits
                ):
                    sale = shortfall.sale
                    errors.append(
                        ErrorDetail(
                            line=lines[sale.id] if sale else None,
                            field="quantity",
                            message=shortfall.detail(),
                        )
                    )
            if errors:
                raise ImportRejected(sorted(errors, key=lambda error: error.line or 0))
            if not dry_run:
                await self._write(uow, [transaction for _, transaction in accepted])
            return ImportResult(recorded=len(accepted), skipped_duplicates=skipped, dry_run=dry_run)

        return await self._runner.run(owner_id, portfolio_id, idempotency, work, render)

    # --- the ledger ------------------------------------------------------

    async def shortfall_after_split(self, stock_id: UUID, split: SplitInfo) -> str | None:
        """Why recording ``split`` would leave a position of the stock short, in any
        portfolio; None when none.

        The catalog is everyone's: the answer names no portfolio, and neither how
        short nor the day of the sale (another user's). Only a split of fewer new
        shares than old (a reverse split) shrinks the holdings before it. Read
        outside any lock: a sale recorded meanwhile, which read the splits before
        this one was stored, is not seen.
        """
        if split.numerator >= split.denominator:
            return None
        splits = (await self._splits([stock_id])).get(stock_id, [])
        new = LedgerSplit(split.effective_date, split.numerator, split.denominator)
        positions = await self._reader.positions_in(stock_id)
        if any(first_shortfall_of_split(entries, splits, new) for entries in positions.values()):
            return (
                f"A {split.numerator}-for-{split.denominator} split from "
                f"{split.effective_date.isoformat()} would leave a portfolio short of shares "
                "it sold after that date: its sales must be voided and recorded again first."
            )
        return None

    @staticmethod
    async def _enter_book(
        uow: TransactionUnitOfWork, portfolio_id: UUID, *, exclusive: bool
    ) -> None:
        if not await uow.books.enter_book(portfolio_id, exclusive=exclusive):
            raise PortfolioNotFound()  # deleted while this request was on its way

    async def _stock_facts(self, stock_id: UUID | None) -> StockFacts | None:
        if stock_id is None:
            return None
        info = await self._catalog.get_stock(stock_id)
        if info is None:
            return None
        return _facts(info)

    @staticmethod
    def _row_transaction(
        row: ParsedRow,
        stock_facts: Mapping[str, StockFacts],
        portfolio: PortfolioInfo,
        owner_id: UUID,
        now: datetime,
        *,
        recorded_at: datetime,
    ) -> Transaction:
        stock: StockFacts | None = None
        if row.symbol is not None:
            stock = stock_facts.get(row.symbol.upper())
            if stock is None:
                raise InvalidInput.for_field("symbol", f"unknown symbol {row.symbol[:20]}")
        request = replace(row.request, stock_id=stock.stock_id if stock else None)
        transaction = record_transaction(
            request,
            portfolio_id=portfolio.portfolio_id,
            owner_id=owner_id,
            portfolio_currency=portfolio.currency,
            stock=stock,
            now=now,
            recorded_at=recorded_at,
            imported=True,
        )
        if row.stated_amount is not None and row.stated_amount != transaction.amount:
            raise InvalidInput.for_field(
                "amount", f"must be quantity × price ({transaction.amount:f}) or left empty"
            )
        return transaction

    async def _splits(self, stock_ids: Sequence[UUID]) -> dict[UUID, list[LedgerSplit]]:
        """Read before a unit of work opens: a writer holds no lock while it asks others."""
        found = await self._catalog.get_splits(stock_ids) if stock_ids else {}
        return {
            stock_id: [LedgerSplit(s.effective_date, s.numerator, s.denominator) for s in splits]
            for stock_id, splits in found.items()
        }

    @staticmethod
    async def _shortfalls(
        uow: TransactionUnitOfWork,
        portfolio_id: UUID,
        added: Sequence[Transaction],
        removed: Sequence[Transaction],
        splits: Mapping[UUID, list[LedgerSplit]],
    ) -> list[PositionShortfall]:
        """Lock the positions where the change lowers a running quantity, replay each
        of them with the change, and return every position the change leaves short.

        Adding a buy or removing a sale only raises the running quantities of its
        position (a split multiplies them by a positive ratio), so it cannot leave
        the position short, and a concurrent sale that does not see it yet only
        judges more strictly: such a position is neither locked nor read.
        """
        lowering = {t.stock_id for t in added if t.share_delta < 0 and t.stock_id is not None}
        lowering |= {t.stock_id for t in removed if t.share_delta > 0 and t.stock_id is not None}
        if not lowering:
            return []
        stock_ids = sorted(lowering)
        await uow.books.lock_positions(portfolio_id, stock_ids)
        histories = await uow.transactions.position_entries(portfolio_id, stock_ids)
        removed_ids = {t.id for t in removed}
        added_by_stock: defaultdict[UUID, list[Transaction]] = defaultdict(list)
        for transaction in added:
            if transaction.stock_id in lowering:
                added_by_stock[transaction.stock_id].append(transaction)
        symbols = {t.stock_id: t.symbol for t in [*added, *removed] if t.stock_id in lowering}
        found: list[PositionShortfall] = []
        for stock_id in stock_ids:
            history = histories.get(stock_id, [])
            position_added = added_by_stock[stock_id]
            entries = [e for e in history if e.transaction_id not in removed_ids]
            entries += [_entry(t) for t in position_added if t.type.trades_shares]
            shortfall = first_new_shortfall(history, entries, splits.get(stock_id, []))
            if shortfall is not None:
                found.append(
                    PositionShortfall(
                        shortfall,
                        _sale_behind(shortfall, position_added),
                        symbols.get(stock_id) or "?",
                    )
                )
        return found

    async def _write(self, uow: TransactionUnitOfWork, transactions: Sequence[Transaction]) -> None:
        await uow.transactions.add_all(transactions)
        for transaction in transactions:
            uow.publish(
                TransactionRecorded(
                    transaction=transaction.data(), occurred_at=transaction.recorded_at
                )
            )


def _sale_behind(shortfall: Shortfall, added: Sequence[Transaction]) -> Transaction | None:
    """The latest new sale at or before the shortfall: the one that caused it."""
    sales = [
        t
        for t in added
        if t.quantity is not None and t.share_delta < 0 and _entry(t).order <= shortfall.entry.order
    ]
    return max(sales, key=lambda t: _entry(t).order, default=None)


def _facts(info: StockInfo) -> StockFacts:
    return StockFacts(info.stock_id, info.symbol, info.currency, info.listed)
