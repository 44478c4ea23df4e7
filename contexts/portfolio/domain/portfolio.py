"""The Portfolio aggregate: a named book of transactions owned by one user."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contexts.portfolio.contracts import PortfolioDeleted, PortfolioOpened, PortfolioRenamed
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.errors import Conflict, NotFound, VersionCheck
from shared_kernel.domain.ids import new_id
from shared_kernel.domain.money import currency_code
from shared_kernel.domain.text import optional_text, required_text

NAME_MAX = 100
DESCRIPTION_MAX = 500


class PortfolioNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such portfolio.")


class NameTaken(Conflict):
    code = "NAME_TAKEN"
    title = "Name taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"You already have a portfolio named {name!r}.")


class Portfolio(AggregateRoot):
    def __init__(
        self,
        *,
        portfolio_id: UUID,
        owner_id: UUID,
        name: str,
        description: str | None,
        currency: str,
        created_at: datetime,
        updated_at: datetime,
        version: int,
    ) -> None:
        super().__init__()
        self.id = portfolio_id
        self.owner_id = owner_id
        self.name = name
        self.description = description
        self.currency = currency
        self.created_at = created_at
        self.updated_at = updated_at
        self.version = version

    @classmethod
    def open(
        cls,
        owner_id: UUID,
        name: str,
        description: str | None,
        currency: str,
        now: datetime,
    ) -> Portfolio:
        portfolio = cls(
            portfolio_id=new_id(),
            owner_id=owner_id,
            name=required_text(name, "name", NAME_MAX),
            description=optional_text(description, "description", DESCRIPTION_MAX),
            currency=currency_code(currency),
            created_at=now,
            updated_at=now,
            version=1,
        )
        portfolio.record(
            PortfolioOpened(
                portfolio_id=portfolio.id,
                owner_id=owner_id,
                name=portfolio.name,
                currency=portfolio.currency,
                occurred_at=now,
            )
        )
        return portfolio

    def rename(
        self,
        name: str,
        description: str | None,
        expected: VersionCheck,
        now: datetime,
    ) -> None:
        expected.verify(self.version, "The portfolio")
        name = required_text(name, "name", NAME_MAX)
        description = optional_text(description, "description", DESCRIPTION_MAX)
        if (name, description) == (self.name, self.description):
            return
        self.name, self.description = name, description
        self.updated_at = now
        self.version += 1
        self.record(
            PortfolioRenamed(
                portfolio_id=self.id,
                name=name,
                description=description,
                version=self.version,
                occurred_at=now,
            )
        )

    def delete(self, expected: VersionCheck, now: datetime) -> None:
        expected.verify(self.version, "The portfolio")
        self.record(PortfolioDeleted(portfolio_id=self.id, owner_id=self.owner_id, occurred_at=now))
