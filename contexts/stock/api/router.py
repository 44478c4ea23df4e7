"""HTTP API of the stock context (API.md "Stocks")."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from contexts.stock.api.schemas import (
    PriceImportOut,
    PriceIn,
    PriceList,
    PriceOut,
    PricesIn,
    PricesRecorded,
    SplitIn,
    SplitList,
    SplitOut,
    StockCreate,
    StockOut,
    StockPatch,
)
from contexts.stock.application.catalog import (
    CatalogService,
    DelistStock,
    RegisterStock,
    UpdateStock,
)
from contexts.stock.application.ports import (
    StockFilter,
    StockReader,
    StockSort,
    StockView,
)
from contexts.stock.application.prices import PriceService, RecordPrices
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.domain.errors import StockNotFound
from contexts.stock.domain.gics import classification
from contexts.stock.domain.price import DailyPrice
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import ErrorDetail, InvalidInput
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.csv_body import CSV_REQUEST_BODY, csv_body
from shared_kernel.web.etag import etag_for, version_check
from shared_kernel.web.pagination import ListPage, page_request
from shared_kernel.web.problems import problem_responses
from shared_kernel.web.routing import StockbookRoute
from shared_kernel.web.schemas import DateInput, NoNulText

API_PREFIX = "/api/v1"


def _daily_prices(rows: list[PriceIn]) -> list[DailyPrice]:
    """The body's rows as prices. Every bad row is named by its place in the body
    (``prices.7.close``): in 10,000 rows, ``close`` alone would not say which."""
    prices: list[DailyPrice] = []
    errors: list[ErrorDetail] = []
    for index, row in enumerate(rows):
        try:
            prices.append(DailyPrice(**row.model_dump()))
        except InvalidInput as refused:
            errors += [
                ErrorDetail(field=f"prices.{index}.{error.field}", message=error.message)
                for error in refused.errors
            ]
    if errors:
        raise InvalidInput(f"{errors[0].field}: {errors[0].message}", errors)
    return prices


def _stock_out(view: StockView) -> StockOut:
    return StockOut.model_validate(view)


def build_stock_router(
    catalog: CatalogService,
    price_service: PriceService,
    split_service: SplitService,
    reader: StockReader,
    auth: WebAuth,
) -> APIRouter:
    router = APIRouter(
        prefix=API_PREFIX,
        tags=["stock"],
        route_class=StockbookRoute,
        dependencies=[Depends(auth.principal)],
    )
    writer = [Depends(auth.writer)]

    async def existing(stock_id: UUID) -> StockView:
        view = await reader.get(stock_id)
        if view is None:
            raise StockNotFound(str(stock_id))
        return view

    @router.post(
        "/stocks",
        status_code=201,
        summary="Register a stock in the catalog",
        dependencies=writer,
        responses=problem_responses(401, 403, 409, 415, 422),
    )
    async def register_stock(body: StockCreate, response: Response) -> StockOut:
        view = await catalog.register(RegisterStock(**body.model_dump()))
        response.headers["Location"] = f"{API_PREFIX}/stocks/{view.id}"
        response.headers["ETag"] = etag_for(view.version)
        return _stock_out(view)

    @router.get(
        "/stocks",
        summary="Search and list stocks",
        responses=problem_responses(401, 422),
    )
    async def list_stocks(
        page: Annotated[PageRequest, Depends(page_request)],
        q: Annotated[
            NoNulText | None,
            Query(max_length=100, description="Substring of symbol or name, any case."),
        ] = None,
        sector: Annotated[str | None, Query(description="A GICS sector.")] = None,
        listed: Annotated[bool, Query(description="Listed (true) or delisted (false).")] = True,
        sort: StockSort = StockSort.SYMBOL,
    ) -> ListPage[StockOut]:
        classification(sector, None)
        result = await reader.search(
            StockFilter(text=q or None, sector=sector, listed=listed, sort=sort), page
        )
        return ListPage[StockOut].of(result)

    @router.get(
        "/stocks/by-symbol/{symbol}",
        summary="Get a stock by its symbol (any case)",
        responses=problem_responses(401, 404),
    )
    async def get_stock_by_symbol(symbol: str, response: Response) -> StockOut:
        # U+0000 cannot be in any symbol (nor sent to PostgreSQL as text).
        view = None if "\x00" in symbol else await reader.get_by_symbol(symbol)
        if view is None:
            raise StockNotFound(f"with the symbol {symbol.upper()[:20]}")
        response.headers["ETag"] = etag_for(view.version)
        return _stock_out(view)

    @router.get("/stocks/{stock_id}", summary="Get a stock", responses=problem_responses(401, 404))
    async def get_stock(stock_id: UUID, response: Response) -> StockOut:
        view = await existing(stock_id)
        response.headers["ETag"] = etag_for(view.version)
        return _stock_out(view)

    @router.patch(
        "/stocks/{stock_id}",
        summary="Change a stock's description",
        dependencies=writer,
        responses=problem_responses(401, 403, 404, 412, 415, 422),
    )
    async def update_stock(
        stock_id: UUID,
        body: StockPatch,
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> StockOut:
        view = await catalog.update(
            UpdateStock(
                stock_id=stock_id,
                changes=body.model_dump(exclude_unset=True),
                expected=version_check(if_match),
            )
        )
        response.headers["ETag"] = etag_for(view.version)
        return _stock_out(view)

    @router.delete(
        "/stocks/{stock_id}",
        status_code=204,
        summary="Delist a stock (it stays for history)",
        dependencies=writer,
        responses=problem_responses(401, 403, 404, 412),
    )
    async def delist_stock(
        stock_id: UUID, if_match: Annotated[str | None, Header()] = None
    ) -> Response:
        await catalog.delist(DelistStock(stock_id=stock_id, expected=version_check(if_match)))
        return Response(status_code=204)

    @router.put(
        "/stocks/{stock_id}/prices",
        summary="Record daily prices (a date already stored is replaced)",
        dependencies=writer,
        responses=problem_responses(401, 403, 404, 415, 422),
    )
    async def record_prices(stock_id: UUID, body: PricesIn) -> PricesRecorded:
        recorded = await price_service.record(
            RecordPrices(
                stock_id=stock_id,
                prices=_daily_prices(body.prices),
            )
        )
        return PricesRecorded(recorded=recorded)

    @router.get(
        "/stocks/{stock_id}/prices",
        summary="Daily prices in a date range, ascending",
        responses=problem_responses(401, 404, 422),
    )
    async def list_prices(
        stock_id: UUID,
        first: Annotated[DateInput | None, Query(alias="from")] = None,
        last: Annotated[DateInput | None, Query(alias="to")] = None,
    ) -> PriceList:
        await existing(stock_id)
        daily = await reader.prices(stock_id, first, last)
        return PriceList(items=[PriceOut.model_validate(price) for price in daily])

    @router.post(
        "/prices/import",
        summary="Import daily prices from CSV (all rows or none)",
        dependencies=writer,
        responses=problem_responses(401, 403, 415, 422),
        openapi_extra=CSV_REQUEST_BODY,
    )
    async def import_prices(request: Request) -> PriceImportOut:
        result = await price_service.import_csv(await csv_body(request))
        return PriceImportOut(recorded=result.recorded, stocks=result.stocks)

    @router.post(
        "/stocks/{stock_id}/splits",
        status_code=201,
        summary="Record a stock split",
        dependencies=writer,
        responses=problem_responses(401, 403, 404, 409, 415, 422),
    )
    async def record_split(stock_id: UUID, body: SplitIn, response: Response) -> SplitOut:
        split = await split_service.record(RecordSplit(stock_id=stock_id, **body.model_dump()))
        response.headers["Location"] = f"{API_PREFIX}/stocks/{stock_id}/splits"
        return SplitOut.model_validate(split)

    @router.get(
        "/stocks/{stock_id}/splits",
        summary="A stock's splits, ascending by date",
        responses=problem_responses(401, 404),
    )
    async def list_splits(stock_id: UUID) -> SplitList:
        await existing(stock_id)
        return SplitList(items=[SplitOut.model_validate(s) for s in await reader.splits(stock_id)])

    return router
