"""Response bodies of holdings, allocation and performance (API.md "Portfolios").

Money is reported to the cent, returns and weights as fractions to six
places; quantities and prices exactly as they are, in plain notation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import Field, PlainSerializer

from contexts.portfolio.application.performance import PerformanceReport
from contexts.portfolio.application.reports import (
    AllocationReport,
    HoldingsReport,
)
from shared_kernel.domain.money import round_money, round_ratio
from shared_kernel.web.schemas import DecimalOutput, ResponseBody

Money = Annotated[Decimal, PlainSerializer(lambda v: str(round_money(v)), return_type=str)]
Ratio = Annotated[Decimal, PlainSerializer(lambda v: str(round_ratio(v)), return_type=str)]


class HoldingOut(ResponseBody):
    stock_id: UUID
    symbol: str
    name: str
    sector: str | None
    industry_group: str | None
    quantity: DecimalOutput
    cost_basis: Money
    average_cost: Money | None
    latest_price: DecimalOutput | None
    price_date: date | None
    market_value: Money | None
    unrealized_gain: Money | None
    unrealized_return: Ratio | None
    realized_gain: Money
    dividends: Money
    fees: Money
    taxes: Money
    weight: Ratio | None


class HoldingsTotalsOut(ResponseBody):
    cost_basis: Money
    market_value: Money
    unrealized_gain: Money
    realized_gain: Money
    dividends: Money
    fees: Money
    taxes: Money
    cash_balance: Money
    total_value: Money


class HoldingsOut(ResponseBody):
    portfolio_id: UUID
    currency: str
    cost_basis_method: str
    holdings: list[HoldingOut]
    totals: HoldingsTotalsOut

    @classmethod
    def of(cls, report: HoldingsReport) -> HoldingsOut:
        # One validation of the whole body (its lines read from their attributes), not
        # one per line: the router returns this model, which is then only serialized.
        return cls.model_validate(
            {
                "portfolio_id": report.portfolio_id,
                "currency": report.currency,
                "cost_basis_method": report.method.value,
                "holdings": report.holdings,
                "totals": report.totals,
            }
        )


class AllocationItemOut(ResponseBody):
    key: str
    market_value: Money
    weight: Ratio


class AllocationOut(ResponseBody):
    by: str
    items: list[AllocationItemOut]
    unpriced: list[str]

    @classmethod
    def of(cls, report: AllocationReport) -> AllocationOut:
        return cls.model_validate(
            {"by": report.by.value, "items": report.items, "unpriced": report.unpriced}
        )


class SeriesPointOut(ResponseBody):
    date: date
    value: Money
    cumulative_return: Ratio


class PerformanceOut(ResponseBody):
    from_: date = Field(serialization_alias="from")
    to: date
    days: int
    start_value: Money
    end_value: Money
    net_inflow: Money
    gain: Money
    time_weighted_return: Ratio
    time_weighted_return_annualized: Ratio | None
    money_weighted_return: Ratio | None
    series: list[SeriesPointOut]

    @classmethod
    def of(cls, report: PerformanceReport) -> PerformanceOut:
        # One validation for the whole body: a 20-year series has 7,306 points.
        return cls.model_validate(
            {
                "from_": report.start,
                "to": report.end,
                "days": report.days,
                "start_value": report.start_value,
                "end_value": report.end_value,
                "net_inflow": report.net_inflow,
                "gain": report.gain,
                "time_weighted_return": report.time_weighted_return,
                "time_weighted_return_annualized": report.time_weighted_return_annualized,
                "money_weighted_return": report.money_weighted_return,
                "series": report.series,
            }
        )
