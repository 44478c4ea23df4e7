"""Scopes: what read and write keys may do, and the web dependencies that check it."""

from __future__ import annotations

from uuid import uuid4

import pytest
from starlette.requests import Request

from contexts.identity.domain.api_key import Scope
from shared_kernel.application.principal import READ, WRITE, Principal
from shared_kernel.domain.errors import Unauthenticated
from shared_kernel.web.auth import MAX_CREDENTIAL_LENGTH, InsufficientScope, WebAuth

USER = uuid4()


def test_a_read_scope_grants_read_only() -> None:
    assert Scope.READ.grants() == {READ}


def test_a_write_scope_grants_read_and_write() -> None:
    assert Scope.WRITE.grants() == {READ, WRITE}


@pytest.mark.parametrize(
    ("scopes", "can_write"),
    [({READ}, False), ({READ, WRITE}, True), ({WRITE}, True), (set(), False)],
)
def test_principal_can_write_only_with_the_write_scope(scopes: set[str], can_write: bool) -> None:
    assert Principal(USER, frozenset(scopes)).can_write is can_write


class StubResolver:
    def __init__(self, known: dict[str, Principal]) -> None:
        self.known = known
        self.asked: list[str] = []

    async def resolve(self, credential: str) -> Principal | None:
        self.asked.append(credential)
        return self.known.get(credential)


def bearing(authorization: str | None) -> Request:
    """A request with this ``Authorization`` header (none for None)."""
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


READER = Principal(USER, Scope.READ.grants())
WRITER = Principal(USER, Scope.WRITE.grants())


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver({"read-key": READER, "write-key": WRITER})


@pytest.fixture
def auth(resolver: StubResolver) -> WebAuth:
    return WebAuth(resolver)


async def test_a_known_credential_is_its_principal(auth: WebAuth) -> None:
    assert await auth.principal(bearing("Bearer read-key")) == READER
    assert await auth.principal(bearing("bearer write-key")) == WRITER


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic read-key"])
async def test_no_bearer_credential_is_unauthenticated(
    auth: WebAuth, resolver: StubResolver, authorization: str | None
) -> None:
    with pytest.raises(Unauthenticated) as error:
        await auth.principal(bearing(authorization))
    assert error.value.code == "UNAUTHENTICATED"
    assert resolver.asked == []


async def test_an_unknown_credential_is_unauthenticated(auth: WebAuth) -> None:
    with pytest.raises(Unauthenticated):
        await auth.principal(bearing("Bearer revoked-or-forged"))


async def test_an_absurdly_long_credential_is_refused_unread(
    auth: WebAuth, resolver: StubResolver
) -> None:
    with pytest.raises(Unauthenticated):
        await auth.principal(bearing("Bearer " + "x" * (MAX_CREDENTIAL_LENGTH + 1)))
    assert resolver.asked == []


async def test_a_writer_needs_the_write_scope(auth: WebAuth) -> None:
    assert await auth.writer(WRITER) == WRITER
    with pytest.raises(InsufficientScope) as error:
        await auth.writer(READER)
    assert error.value.code == "INSUFFICIENT_SCOPE"
