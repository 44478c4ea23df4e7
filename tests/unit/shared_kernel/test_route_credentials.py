"""A route checks the caller's credential once, before its parameters, and the
schema still documents it; serve_routes_of refuses what it cannot serve flat."""

from typing import Annotated
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI

from shared_kernel.application.principal import READ, WRITE, Principal
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.problems import install_problem_handlers
from shared_kernel.web.routing import StockbookRoute, serve_routes_of

USER = uuid4()
READER = Principal(USER, frozenset({READ}))
WRITER = Principal(USER, frozenset({READ, WRITE}))


class CountingResolver:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, credential: str) -> Principal | None:
        self.asked.append(credential)
        return {"read-key": READER, "write-key": WRITER}.get(credential)


@pytest.fixture
def resolver() -> CountingResolver:
    return CountingResolver()


@pytest.fixture
def client(resolver: CountingResolver) -> httpx.AsyncClient:
    auth = WebAuth(resolver)
    router = APIRouter(
        prefix="/api", route_class=StockbookRoute, dependencies=[Depends(auth.principal)]
    )

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: UUID) -> dict[str, str]:
        return {"thing_id": str(thing_id)}

    @router.post("/things", dependencies=[Depends(auth.writer)])
    async def add_thing() -> dict[str, str]:
        return {"added": "yes"}

    @router.get("/me")
    async def me(caller: Annotated[Principal, Depends(auth.principal)]) -> dict[str, str]:
        return {"user": str(caller.user_id), "writes": str(caller.can_write)}

    app = FastAPI()
    install_problem_handlers(app)
    serve_routes_of(app, router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_demanded_credential_is_checked_once(
    client: httpx.AsyncClient, resolver: CountingResolver
) -> None:
    thing_id = str(uuid4())
    answer = await client.get(f"/api/things/{thing_id}", headers=bearer("read-key"))
    assert (answer.status_code, answer.json()) == (200, {"thing_id": thing_id})
    assert resolver.asked == ["read-key"]


@pytest.mark.parametrize("headers", [{}, bearer("forged")], ids=["none", "unknown"])
async def test_without_a_valid_credential_the_parameters_are_never_judged(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    answer = await client.get("/api/things/not-a-uuid", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "UNAUTHENTICATED"
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_valid_credential_then_meets_the_parameters(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/things/not-a-uuid", headers=bearer("read-key"))
    assert answer.json()["code"] == "NOT_FOUND"  # a malformed id names nothing


async def test_a_write_still_needs_the_write_scope(
    client: httpx.AsyncClient, resolver: CountingResolver
) -> None:
    assert (await client.post("/api/things", headers=bearer("read-key"))).status_code == 403
    assert (await client.post("/api/things", headers=bearer("write-key"))).status_code == 200
    assert (await client.post("/api/things")).status_code == 401
    assert resolver.asked == ["read-key", "write-key"]  # once each: the writer's check serves


async def test_a_parameter_that_takes_the_principal_gets_it(
    client: httpx.AsyncClient, resolver: CountingResolver
) -> None:
    answer = await client.get("/api/me", headers=bearer("write-key"))
    assert answer.json() == {"user": str(USER), "writes": "True"}
    assert resolver.asked == ["write-key"]
    assert (await client.get("/api/me")).status_code == 401


async def test_the_schema_still_documents_the_credential(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/api/things/{thing_id}"]["get"]
    assert operation["security"] == [{"OAuth2PasswordBearer": []}]
    assert "OAuth2PasswordBearer" in schema["components"]["securitySchemes"]


def test_a_router_with_startup_handlers_is_not_served_flat() -> None:
    async def warm_up() -> None:
        return None

    router = APIRouter(route_class=StockbookRoute, on_startup=[warm_up])
    with pytest.raises(ValueError, match="startup or shutdown"):
        serve_routes_of(FastAPI(), router)
