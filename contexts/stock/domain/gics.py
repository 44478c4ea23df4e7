"""GICS classification (2023 structure): the 11 sectors and 25 industry groups."""

from __future__ import annotations

from shared_kernel.domain.errors import InvalidInput

INDUSTRY_GROUPS_BY_SECTOR: dict[str, tuple[str, ...]] = {
    "Energy": ("Energy",),
    "Materials": ("Materials",),
    "Industrials": (
        "Capital Goods",
        "Commercial & Professional Services",
        "Transportation",
    ),
    "Consumer Discretionary": (
        "Automobiles & Components",
        "Consumer Durables & Apparel",
        "Consumer Services",
        "Consumer Discretionary Distribution & Retail",
    ),
    "Consumer Staples": (
        "Consumer Staples Distribution & Retail",
        "Food, Beverage & Tobacco",
        "Household & Personal Products",
    ),
    "Health Care": (
        "Health Care Equipment & Services",
        "Pharmaceuticals, Biotechnology & Life Sciences",
    ),
    "Financials": ("Banks", "Financial Services", "Insurance"),
    "Information Technology": (
        "Software & Services",
        "Technology Hardware & Equipment",
        "Semiconductors & Semiconductor Equipment",
    ),
    "Communication Services": ("Telecommunication Services", "Media & Entertainment"),
    "Utilities": ("Utilities",),
    "Real Estate": (
        "Equity Real Estate Investment Trusts (REITs)",
        "Real Estate Management & Development",
    ),
}

SECTORS: tuple[str, ...] = tuple(INDUSTRY_GROUPS_BY_SECTOR)
INDUSTRY_GROUPS: tuple[str, ...] = tuple(
    group for groups in INDUSTRY_GROUPS_BY_SECTOR.values() for group in groups
)


def classification(sector: str | None, industry_group: str | None) -> tuple[str | None, str | None]:
    """Check a (sector, industry group) pair; both optional, a group needs its sector."""
    if sector is not None and sector not in INDUSTRY_GROUPS_BY_SECTOR:
        raise InvalidInput.for_field("sector", f"{sector!r} is not a GICS sector")
    if industry_group is None:
        return sector, None
    if industry_group not in INDUSTRY_GROUPS:
        raise InvalidInput.for_field(
            "industry_group", f"{industry_group!r} is not a GICS industry group"
        )
    if sector is None:
        raise InvalidInput.for_field("industry_group", "an industry group needs a sector")
    if industry_group not in INDUSTRY_GROUPS_BY_SECTOR[sector]:
        raise InvalidInput.for_field(
            "industry_group", f"{industry_group!r} is not in the sector {sector!r}"
        )
    return sector, industry_group
