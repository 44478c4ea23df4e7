"""Request and response bodies of the portfolio API (API.md "Portfolios")."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared_kernel.web.schemas import RequestBody, ResponseBody, TextInput


class PortfolioCreate(RequestBody):
    name: TextInput = Field(examples=["Retirement"])
    description: TextInput | None = None
    currency: TextInput = Field(default="USD", examples=["USD"])


class PortfolioPatch(RequestBody):
    name: TextInput | None = None
    description: TextInput | None = None
    currency: TextInput | None = Field(
        default=None, description="Fixed at creation: sending it is refused."
    )


class PortfolioOut(ResponseBody):
    id: UUID
    name: str
    description: str | None
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int
