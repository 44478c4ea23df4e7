"""GICS classification: 11 sectors, 25 industry groups, each group in its sector."""

from __future__ import annotations

import pytest

from contexts.stock.domain.gics import (
    INDUSTRY_GROUPS,
    INDUSTRY_GROUPS_BY_SECTOR,
    SECTORS,
    classification,
)
from contexts.stock.domain.stock import StockDetails
from shared_kernel.domain.errors import InvalidInput

VALID_PAIRS = [
    (sector, group) for sector, groups in INDUSTRY_GROUPS_BY_SECTOR.items() for group in groups
]


def test_the_2023_structure_has_11_sectors_and_25_groups() -> None:
    assert len(SECTORS) == 11
    assert len(INDUSTRY_GROUPS) == 25
    assert len(set(INDUSTRY_GROUPS)) == 25


def test_the_names_are_the_official_ones() -> None:
    assert INDUSTRY_GROUPS_BY_SECTOR["Information Technology"] == (
        "Software & Services",
        "Technology Hardware & Equipment",
        "Semiconductors & Semiconductor Equipment",
    )
    assert INDUSTRY_GROUPS_BY_SECTOR["Real Estate"] == (
        "Equity Real Estate Investment Trusts (REITs)",
        "Real Estate Management & Development",
    )
    assert "Consumer Staples Distribution & Retail" in INDUSTRY_GROUPS_BY_SECTOR["Consumer Staples"]


@pytest.mark.parametrize(("sector", "group"), VALID_PAIRS)
def test_every_group_is_valid_in_its_own_sector(sector: str, group: str) -> None:
    assert classification(sector, group) == (sector, group)


@pytest.mark.parametrize("sector", SECTORS)
def test_a_sector_alone_is_valid(sector: str) -> None:
    assert classification(sector, None) == (sector, None)


def test_no_classification_is_valid() -> None:
    assert classification(None, None) == (None, None)


def refused_field(sector: str | None, group: str | None) -> str | None:
    with pytest.raises(InvalidInput) as error:
        classification(sector, group)
    (detail,) = error.value.errors
    return detail.field


@pytest.mark.parametrize("sector", ["Technology", "information technology", "", "Tech"])
def test_an_unknown_sector_is_refused(sector: str) -> None:
    assert refused_field(sector, None) == "sector"


def test_an_unknown_group_is_refused() -> None:
    assert refused_field("Information Technology", "Cloud Computing") == "industry_group"


def test_a_group_without_a_sector_is_refused() -> None:
    assert refused_field(None, "Banks") == "industry_group"


def test_a_group_in_the_wrong_sector_is_refused() -> None:
    assert refused_field("Energy", "Banks") == "industry_group"


def test_a_group_that_is_also_a_sector_name_only_fits_its_own_sector() -> None:
    assert classification("Utilities", "Utilities") == ("Utilities", "Utilities")
    assert refused_field("Energy", "Utilities") == "industry_group"


def test_details_check_the_pair() -> None:
    with pytest.raises(InvalidInput):
        StockDetails.checked(name="X", sector="Financials", industry_group="Software & Services")
    details = StockDetails.checked(name="X", sector="Financials", industry_group="Insurance")
    assert (details.sector, details.industry_group) == ("Financials", "Insurance")
