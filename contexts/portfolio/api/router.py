"""HTTP API of the portfolio context (API.md "Portfolios").

No ``from __future__ import annotations`` here: FastAPI must evaluate the
local ``Caller``/``Writer`` dependency aliases when the routes are declared.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response

from contexts.portfolio.api.analytics_schemas import AllocationOut, HoldingsOut, PerformanceOut
from contexts.portfolio.api.schemas import PortfolioCreate, PortfolioOut, PortfolioPatch
from contexts.portfolio.application.portfolios import (
    DeletePortfolio,
    OpenPortfolio,
    PortfolioService,
    UpdatePortfolio,
)
from contexts.portfolio.application.reports import AllocationKey, PortfolioReports
from contexts.portfolio.domain.position import CostBasisMethod
from shared_kernel.application.pagination import PageRequest
from shared_kernel.application.principal import Principal
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.etag import etag_for, version_check
from shared_kernel.web.pagination import ListPage, page_request
from shared_kernel.web.problems import problem_responses
from shared_kernel.web.routing import StockbookRoute
from shared_kernel.web.schemas import DateInput

API_PREFIX = "/api/v1"


def build_portfolio_router(
    portfolios: PortfolioService, reports: PortfolioReports, auth: WebAuth
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["portfolio"], route_class=StockbookRoute)
    Caller = Annotated[Principal, Depends(auth.principal)]
    Writer = Annotated[Principal, Depends(auth.writer)]

    @router.post(
        "/portfolios",
        status_code=201,
        summary="Open a portfolio",
        responses=problem_responses(401, 403, 409, 415, 422),
    )
    async def open_portfolio(
        body: PortfolioCreate, caller: Writer, response: Response
    ) -> PortfolioOut:
        view = await portfolios.open(OpenPortfolio(owner_id=caller.user_id, **body.model_dump()))
        response.headers["Location"] = f"{API_PREFIX}/portfolios/{view.id}"
        response.headers["ETag"] = etag_for(view.version)
        return PortfolioOut.model_validate(view)

    @router.get(
        "/portfolios",
        summary="Your portfolios, oldest first",
        responses=problem_responses(401, 422),
    )
    async def list_portfolios(
        caller: Caller, page: Annotated[PageRequest, Depends(page_request)]
    ) -> ListPage[PortfolioOut]:
        result = await portfolios.list_portfolios(caller.user_id, page)
        return ListPage[PortfolioOut].of(result)

    @router.get(
        "/portfolios/{portfolio_id}",
        summary="Get a portfolio",
        responses=problem_responses(401, 404),
    )
    async def get_portfolio(portfolio_id: UUID, caller: Caller, response: Response) -> PortfolioOut:
        view = await portfolios.get(caller.user_id, portfolio_id)
        response.headers["ETag"] = etag_for(view.version)
        return PortfolioOut.model_validate(view)

    @router.patch(
        "/portfolios/{portfolio_id}",
        summary="Rename or describe a portfolio",
        responses=problem_responses(401, 403, 404, 409, 412, 415, 422),
    )
    async def update_portfolio(
        portfolio_id: UUID,
        body: PortfolioPatch,
        caller: Writer,
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> PortfolioOut:
        changes = body.model_dump(exclude_unset=True)
        if "currency" in changes:
            raise InvalidInput.for_field("currency", "is fixed when the portfolio is opened")
        view = await portfolios.update(
            UpdatePortfolio(
                owner_id=caller.user_id,
                portfolio_id=portfolio_id,
                changes=changes,
                expected=version_check(if_match),
            )
        )
        response.headers["ETag"] = etag_for(view.version)
        return PortfolioOut.model_validate(view)

    @router.delete(
        "/portfolios/{portfolio_id}",
        status_code=204,
        summary="Delete a portfolio with its transactions and projections",
        responses=problem_responses(401, 403, 404, 412),
    )
    async def delete_portfolio(
        portfolio_id: UUID,
        caller: Writer,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        await portfolios.delete(
            DeletePortfolio(
                owner_id=caller.user_id,
                portfolio_id=portfolio_id,
                expected=version_check(if_match),
            )
        )
        return Response(status_code=204)

    @router.get(
        "/portfolios/{portfolio_id}/holdings",
        summary="Holdings valued at the latest closes, with cost basis and gains",
        responses=problem_responses(401, 404, 422),
    )
    async def get_holdings(
        portfolio_id: UUID,
        caller: Caller,
        cost_basis: CostBasisMethod = CostBasisMethod.FIFO,
        include_closed: bool = False,
    ) -> HoldingsOut:
        report = await reports.holdings(caller.user_id, portfolio_id, cost_basis, include_closed)
        return HoldingsOut.of(report)

    @router.get(
        "/portfolios/{portfolio_id}/allocation",
        summary="How the priced holdings' market value is split",
        responses=problem_responses(401, 404, 422),
    )
    async def get_allocation(
        portfolio_id: UUID, caller: Caller, by: AllocationKey = AllocationKey.STOCK
    ) -> AllocationOut:
        return AllocationOut.of(await reports.allocation(caller.user_id, portfolio_id, by))

    @router.get(
        "/portfolios/{portfolio_id}/performance",
        summary="Daily value series, time- and money-weighted return",
        responses=problem_responses(401, 404, 422),
    )
    async def get_performance(
        portfolio_id: UUID,
        caller: Caller,
        first: Annotated[
            DateInput | None,
            Query(alias="from", description="Default: the day before the first trade."),
        ] = None,
        last: Annotated[
            DateInput | None, Query(alias="to", description="Default: today (UTC).")
        ] = None,
    ) -> PerformanceOut:
        report = await reports.performance(caller.user_id, portfolio_id, first, last)
        return PerformanceOut.of(report)

    return router
