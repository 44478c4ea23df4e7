"""SQL repository, reader and directory of the portfolio context."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.portfolio.application.ports import PortfolioView
from contexts.portfolio.contracts import PortfolioInfo
from contexts.portfolio.domain.portfolio import NameTaken, Portfolio
from contexts.portfolio.infrastructure.tables import portfolios
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.compiled_statements import CompiledSelect
from shared_kernel.infrastructure.keyset import KeysetOrder
from shared_kernel.infrastructure.optimistic import ensure_one_row_updated


def _portfolio(row: RowMapping) -> Portfolio:
    return Portfolio(
        portfolio_id=row["id"],
        owner_id=row["owner_id"],
        name=row["name"],
        description=row["description"],
        currency=row["currency"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _view(row: RowMapping) -> PortfolioView:
    return PortfolioView(
        id=row["id"],
        owner_id=row["owner_id"],
        name=row["name"],
        description=row["description"],
        currency=row["currency"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


class SqlPortfolioRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._loaded_versions: dict[UUID, int] = {}

    async def add(self, portfolio: Portfolio) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    insert(portfolios).values(
                        id=portfolio.id,
                        owner_id=portfolio.owner_id,
                        name=portfolio.name,
                        description=portfolio.description,
                        currency=portfolio.currency,
                        created_at=portfolio.created_at,
                        updated_at=portfolio.updated_at,
                        version=portfolio.version,
                    )
                )
        except IntegrityError:
            raise NameTaken(portfolio.name) from None

    async def get(self, portfolio_id: UUID, owner_id: UUID) -> Portfolio | None:
        row = (
            (
                await self._connection.execute(
                    select(portfolios)
                    .where(portfolios.c.id == portfolio_id, portfolios.c.owner_id == owner_id)
                    .with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        self._loaded_versions[portfolio_id] = row["version"]
        return _portfolio(row)

    async def save(self, portfolio: Portfolio) -> None:
        loaded = self._loaded_versions[portfolio.id]
        if portfolio.version == loaded:
            return
        try:
            async with self._connection.begin_nested():
                result = await self._connection.execute(
                    update(portfolios)
                    .where(portfolios.c.id == portfolio.id, portfolios.c.version == loaded)
                    .values(
                        name=portfolio.name,
                        description=portfolio.description,
                        updated_at=portfolio.updated_at,
                        version=portfolio.version,
                    )
                )
        except IntegrityError:
            raise NameTaken(portfolio.name) from None
        ensure_one_row_updated(result, "portfolio")
        self._loaded_versions[portfolio.id] = portfolio.version

    async def remove(self, portfolio: Portfolio) -> None:
        await self._connection.execute(delete(portfolios).where(portfolios.c.id == portfolio.id))


_OLDEST_FIRST = KeysetOrder(portfolios.c.created_at, portfolios.c.id)


class SqlPortfolioReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, portfolio_id: UUID, owner_id: UUID) -> PortfolioView | None:
        query = select(portfolios).where(
            portfolios.c.id == portfolio_id, portfolios.c.owner_id == owner_id
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return _view(row) if row else None

    async def owned_by(self, owner_id: UUID, page: PageRequest) -> Page[PortfolioView]:
        query = select(portfolios).where(portfolios.c.owner_id == owner_id)
        if page.after is not None:
            query = query.where(_OLDEST_FIRST.after(page.after))
        query = query.order_by(*_OLDEST_FIRST.order_by()).limit(page.limit + 1)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        views = [_view(row) for row in rows[: page.limit]]
        next_keyset = None
        if len(rows) > page.limit:
            next_keyset = _OLDEST_FIRST.keyset(views[-1].created_at, views[-1].id)
        return Page(items=views, next_keyset=next_keyset)


_OWNER_AND_CURRENCY = CompiledSelect(
    select(portfolios.c.owner_id, portfolios.c.currency).where(
        portfolios.c.id == bindparam("portfolio_id")
    )
)


class SqlPortfolioDirectory:
    """``PortfolioDirectory`` for the other contexts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_portfolio(self, portfolio_id: UUID) -> PortfolioInfo | None:
        row = await _OWNER_AND_CURRENCY.fetch_one(self._engine, {"portfolio_id": portfolio_id})
        if row is None:
            return None
        return PortfolioInfo(
            portfolio_id=portfolio_id, owner_id=row["owner_id"], currency=row["currency"]
        )
