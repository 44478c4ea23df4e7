"""A route that needs nothing but its parameters and the caller is answered by
StockbookRoute's direct handler, exactly as FastAPI's own handler answers it."""

from typing import Annotated, Any
from uuid import UUID

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Cookie, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.dependencies.utils import solve_dependencies
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared_kernel.application.principal import READ, Principal
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.problems import install_problem_handlers
from shared_kernel.web.routing import StockbookRoute, serve_routes_of

USER = UUID("0192f3a0-0000-7000-8000-000000000001")
THING = UUID("0192f3a0-0000-7000-8000-000000000002")
"""Fixed: the requests name THING in their test ids, which must be the same in every run."""


class Resolver:
    async def resolve(self, credential: str) -> Principal | None:
        return Principal(USER, frozenset({READ})) if credential == "key" else None


class Thing(BaseModel):
    id: UUID
    parts: list[str]
    limit: int


class Page(BaseModel):
    limit: int


async def page(limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Page:
    return Page(limit=limit)


async def offset(start: Annotated[int, Query(ge=0)] = 0, item_id: str | None = None) -> int:
    return start


def sync_page(limit: Annotated[int, Query(ge=1)] = 10) -> Page:
    return Page(limit=limit)


async def client_host(request: Request) -> str:
    return request.client.host if request.client else "?"


def build_app(route_class: type[APIRoute]) -> FastAPI:
    """The same endpoints, under ``route_class``."""
    auth = WebAuth(Resolver())
    router = APIRouter(
        prefix="/api", route_class=route_class, dependencies=[Depends(auth.principal)]
    )

    @router.get("/things/{thing_id}")
    async def get_thing(
        thing_id: UUID,
        response: Response,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
        part: Annotated[list[str] | None, Query()] = None,
        if_none_match: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> Thing:
        response.headers["ETag"] = '"1"'
        if if_none_match == '"1"':
            response.status_code = 304
        parts = [*(part or []), *([session] if session else [])]
        return Thing(id=thing_id, parts=parts, limit=limit)

    @router.get("/mine", status_code=202)
    async def mine(
        caller: Annotated[Principal, Depends(auth.principal)], request: Request
    ) -> dict[str, str]:
        return {"user": str(caller.user_id), "path": request.url.path}

    @router.get("/numbered/{n:int}/{id}")
    async def numbered(
        n: Annotated[int, Path(le=100)], ident: Annotated[str, Path(alias="id", min_length=3)]
    ) -> dict[str, str | int]:
        return {"n": n, "ident": ident}

    @router.get("/orphan")
    async def orphan(ident: Annotated[str, Path(alias="id")]) -> str:  # not in its path
        return ident

    @router.get("/maybe", response_model=Thing)
    async def maybe(fresh: bool = False) -> Response | Thing:
        if fresh:
            return Response(status_code=304, headers={"ETag": '"2"'})
        return Thing(id=THING, parts=[], limit=1)

    @router.get("/raw")
    async def raw() -> Response:
        return Response(b"as is", media_type="text/plain", headers={"X-Raw": "yes"})

    @router.get("/broken")
    async def broken() -> Thing:
        return {"id": "not an id"}  # type: ignore[return-value]

    @router.get("/paged")
    async def paged(paging: Annotated[Page, Depends(page)]) -> Page:
        return paging

    @router.get("/items/{item_id}")
    async def items(
        item_id: int,
        paging: Annotated[Page, Depends(page)],
        start: Annotated[int, Depends(offset)],
        again: Annotated[Page, Depends(page)],
        size: Annotated[int, Query(ge=1)] = 1,
    ) -> dict[str, int]:
        return {"item": item_id, "limit": paging.limit, "start": start, "size": size}

    @router.get("/sync-paged")
    async def sync_paged(paging: Annotated[Page, Depends(sync_page)]) -> Page:
        return paging

    @router.get("/host")
    async def host(client: Annotated[str, Depends(client_host)]) -> dict[str, str]:
        return {"host": client}

    app = FastAPI()
    install_problem_handlers(app)
    serve_routes_of(app, router)
    return app


def client_of(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


KEY = {"Authorization": "Bearer key"}
REQUESTS: list[tuple[str, dict[str, str]]] = [
    (f"/api/things/{THING}", KEY),
    (f"/api/things/{THING}?limit=3&part=a&part=b", KEY),
    (f"/api/things/{THING}", {**KEY, "Cookie": "session=s1"}),
    (f"/api/things/{THING}", {**KEY, "If-None-Match": '"1"'}),
    (f"/api/things/{THING}?limit=0", KEY),
    (f"/api/things/{THING}?limit=many", KEY),
    ("/api/things/not-a-uuid?limit=0", KEY),
    ("/api/things/not-a-uuid", {}),
    (f"/api/things/{THING}", {"Authorization": "Bearer forged"}),
    ("/api/numbered/5/abcd", KEY),
    ("/api/numbered/500/ab", KEY),
    ("/api/orphan", KEY),
    ("/api/mine", KEY),
    ("/api/mine", {}),
    ("/api/maybe", KEY),
    ("/api/maybe?fresh=true", KEY),
    ("/api/maybe?fresh=perhaps", KEY),
    ("/api/raw", KEY),
    ("/api/broken", KEY),
    ("/api/paged?limit=5", KEY),
    ("/api/paged?limit=500", KEY),
    ("/api/items/7?limit=5&start=2&size=3", KEY),
    ("/api/items/seven?limit=0&start=-1&size=0", KEY),
    ("/api/items/7?limit=0", {}),
    ("/api/sync-paged?limit=0", KEY),
    ("/api/host", KEY),
]


def answer_of(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {
        name: response.headers[name]
        for name in ("content-type", "content-length", "etag", "x-raw")
        if name in response.headers
    }
    return response.status_code, response.content, headers


@pytest.mark.parametrize(("url", "headers"), REQUESTS)
async def test_answers_exactly_as_fastapi_does(url: str, headers: dict[str, str]) -> None:
    async with client_of(build_app(APIRoute)) as fastapi_client:
        expected = answer_of(await fastapi_client.get(url, headers=headers))
    async with client_of(build_app(StockbookRoute)) as stockbook_client:
        assert answer_of(await stockbook_client.get(url, headers=headers)) == expected


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose dependencies FastAPI's handler solved."""
    paths: list[str] = []
    solve = solve_dependencies  # what fastapi.routing imported

    async def counting_solve(**arguments: Any) -> Any:
        paths.append(arguments["request"].url.path)
        return await solve(**arguments)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting_solve)
    return paths


async def test_a_route_needing_only_parameters_and_simple_dependencies_skips_fastapis_solver(
    solved: list[str],
) -> None:
    async with client_of(build_app(StockbookRoute)) as client:
        for url in (
            f"/api/things/{THING}?part=a",
            "/api/mine",
            "/api/maybe",
            "/api/paged",
            "/api/items/7",
            "/api/sync-paged",
            "/api/host",
        ):
            assert (await client.get(url, headers=KEY)).status_code < 300
    # a dependency run in a thread or taking the request is FastAPI's to solve
    assert solved == ["/api/sync-paged", "/api/host"]
