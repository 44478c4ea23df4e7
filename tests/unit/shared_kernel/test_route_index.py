"""serve_routes_of indexes the app's route table: a request is matched against the
routes that could match its path only, and is answered as the whole table answers."""

from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.routing import Match
from starlette.types import Scope

from shared_kernel.web.routing import StockbookRoute, serve_routes_of

Endpoint = Callable[[Request], Coroutine[Any, Any, dict[str, Any]]]


class Anything(StringConvertor):
    """A string parameter that spans ``/`` too."""

    regex = ".+"


register_url_convertor("test_anything", Anything())

TABLE = [
    ("GET", "/things", "list"),
    ("POST", "/things", "add"),
    ("GET", "/things/by-name/{name}", "by-name"),
    ("GET", "/things/{thing_id}", "one"),
    ("DELETE", "/things/{thing_id}", "delete"),
    ("GET", "/things/{thing_id}/parts", "parts"),
    ("GET", "/files/{rest:path}", "file"),
    ("GET", "/files/special/readme", "special"),  # never reached: "file" matches first
    ("GET", "/notes/{rest:test_anything}", "note"),
    ("GET", "/notes/a/b", "notes-ab"),  # never reached: "note" matches first
    ("GET", "/{page}", "page"),
    ("GET", "/", "root"),
    ("GET", "/health/live", "live"),
]

REQUESTS = [
    ("GET", "/things"),
    ("POST", "/things"),
    ("GET", "/things/by-name/bolt"),
    ("GET", "/things/42"),
    ("DELETE", "/things/42"),
    ("PUT", "/things/42"),
    ("GET", "/things/42/parts"),
    ("GET", "/things/42/parts/extra"),
    ("GET", "/things/"),
    ("GET", "/files/a/b/c.txt"),
    ("GET", "/files/special/readme"),
    ("GET", "/notes/a/b"),
    ("GET", "/about"),
    ("GET", "/"),
    ("GET", "/health/live"),
    ("GET", "/health/live/"),
    ("GET", "/nowhere/at/all"),
]


class CountingRoute(StockbookRoute):
    asked: ClassVar[list[str]] = []

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        CountingRoute.asked.append(self.path)
        return super().matches(scope)


def answer(name: str) -> Endpoint:
    async def endpoint(request: Request) -> dict[str, Any]:
        return {"route": name, "params": request.path_params}

    return endpoint


def router_of(route_class: type[StockbookRoute] = StockbookRoute) -> APIRouter:
    router = APIRouter(route_class=route_class)
    for method, path, name in TABLE:
        router.add_api_route(path, answer(name), methods=[method], name=name)
    return router


def indexed_app(route_class: type[StockbookRoute] = StockbookRoute) -> FastAPI:
    app = FastAPI(openapi_url=None)
    serve_routes_of(app, router_of(route_class))
    return app


def whole_table_app() -> FastAPI:
    app = FastAPI(openapi_url=None)
    app.router.routes.extend(router_of().routes)
    return app


async def answers(app: FastAPI, root_path: str = "") -> list[tuple[int, bytes, str | None]]:
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        found = []
        for method, path in REQUESTS:
            response = await client.request(method, root_path + path)
            found.append((response.status_code, response.content, response.headers.get("location")))
        return found


@pytest.mark.parametrize("root_path", ["", "/mounted"])
async def test_every_request_is_answered_as_the_whole_table_answers_it(root_path: str) -> None:
    expected = await answers(whole_table_app(), root_path)
    assert {status for status, _, _ in expected} == {200, 307, 404, 405}  # every outcome tried
    assert await answers(indexed_app(), root_path) == expected


@pytest.mark.parametrize(
    ("method", "path", "met"),
    [
        ("GET", "/health/live", ["/health/live"]),
        ("DELETE", "/things/42", ["/things/{thing_id}", "/things/{thing_id}"]),  # GET, then DELETE
        ("GET", "/things/by-name/bolt", ["/things/by-name/{name}"]),
        ("GET", "/files/a/b/c.txt", ["/files/{rest:path}"]),
        ("GET", "/about", ["/{page}"]),
    ],
)
async def test_a_request_meets_only_the_routes_that_could_match_its_path(
    method: str, path: str, met: list[str]
) -> None:
    CountingRoute.asked = []
    transport = httpx.ASGITransport(app=indexed_app(CountingRoute))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.request(method, path)).status_code == 200
    assert CountingRoute.asked == met


async def test_a_route_added_while_serving_is_matched_in_its_place() -> None:
    app = indexed_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/late")).json()["route"] == "page"
        app.router.add_api_route("/late", answer("late"), methods=["GET"])
        app.router.routes.insert(0, app.router.routes.pop())
        assert (await client.get("/late")).json()["route"] == "late"
