"""ETag and If-Match for optimistic concurrency on single resources."""

from __future__ import annotations

from shared_kernel.domain.errors import VersionCheck


def etag_for(version: int) -> str:
    return f'"{version}"'


def version_check(if_match: str | None) -> VersionCheck:
    """What an ``If-Match`` header expects; absent or ``*`` expects nothing.

    A tag that is not one of ours can never match (``VersionCheck.NO_VERSION``).
    """
    if if_match is None or if_match.strip() == "*":
        return VersionCheck()
    tag = if_match.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    ours = tag.isascii() and tag.isdigit() and len(tag) < 12  # "²".isdigit() is True
    return VersionCheck(int(tag) if ours else VersionCheck.NO_VERSION)
