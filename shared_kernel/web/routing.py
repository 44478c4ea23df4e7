"""The route class every context's router uses.

A route that needs nothing but its parameters, the caller and simple
dependencies (no body; ``auth.principal`` or a page request) is answered by a
direct handler: it resolves the caller first, validates the parameters with
FastAPI's own validation, calls the endpoint and serializes its answer as
FastAPI does, without FastAPI's general handler around it; the dependencies
stay in the route's documentation. Other routes keep FastAPI's handler, which
StockbookRoute wraps: it reads JSON bodies with numbers as
``Decimal`` (from their text, never via a float), refuses NaN and Infinity
and strings holding a lone surrogate, and answers 415 when a JSON body
arrives under another content type — after authentication, like a body that
is not valid JSON (see
``DEFERRED_BODY_PROBLEM``). A request validation error is documented as the
problem it is answered with.
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any, cast

from fastapi import APIRouter, FastAPI, Request, Response, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    get_flat_params,
    get_validation_alias,
    request_params_to_args,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, request_response, serialize_response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.convertors import (
    FloatConvertor,
    IntegerConvertor,
    StringConvertor,
    UUIDConvertor,
)
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

from shared_kernel.domain.text import is_encodable
from shared_kernel.web.auth import BearerPrincipal
from shared_kernel.web.problems import (
    BodyProblem,
    defer_body_problem,
    encoding_problem,
    media_type_of,
    problem_responses,
)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Dependency = Callable[..., Awaitable[Any]]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this API accepts")


def _object_without_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; one naming a member twice is refused. Python's reader keeps
    the last, so ``{"amount": "5", "amount": "6"}`` would record 6 without a word."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise ValueError(f"the name {name[:50]!r} appears more than once in an object")
            seen.add(name)
    return members


_UNREADABLE = object()
"""Stands for a body that is not valid JSON: it fails validation, after authentication."""

_MAY_HOLD_A_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
"""JSON's escape of a surrogate, or a surrogate's bytes (Python's JSON reader lets both in)."""


def _holds_a_lone_surrogate(value: Any) -> bool:
    """Whether a string in ``value`` holds half of a surrogate pair: no character, nothing
    can encode it (a database driver fails on it with a 500)."""
    if isinstance(value, str):
        return not is_encodable(value)
    if isinstance(value, dict):
        return any(
            _holds_a_lone_surrogate(k) or _holds_a_lone_surrogate(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_holds_a_lone_surrogate(item) for item in value)
    return False


class DecimalJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json") and (problem := encoding_problem(self.headers)):
            defer_body_problem(self.scope, BodyProblem(415, problem))
            self._json = _UNREADABLE
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                parsed = json.loads(
                    body,
                    parse_float=Decimal,
                    parse_constant=_refuse_constant,
                    object_pairs_hook=_object_without_repeated_names,
                )
                if _MAY_HOLD_A_SURROGATE.search(body) and _holds_a_lone_surrogate(parsed):
                    raise ValueError("a string holds a lone surrogate, which is no character")
                self._json = parsed
            except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
                reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
                defer_body_problem(self.scope, BodyProblem(422, f"is not valid JSON ({reason})"))
                self._json = _UNREADABLE
        return self._json


def _is_json(content_type: str | None) -> bool:
    media_type = media_type_of(content_type)
    return media_type == "application/json" or media_type.endswith("+json")


class StockbookRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        # FastAPI documents a request validation error as its own JSON body unless the
        # route documents 422; here it is answered as a problem, so say that instead.
        takes_input = bool(get_flat_params(self.dependant)) or self.body_field is not None
        if takes_input and not {422, "422"} & set(self.responses):
            self.responses = {**self.responses, **problem_responses(422)}
        # Here, not in get_route_handler: include_router asks that for the handler of
        # a copy of the route, whose dependencies may include the including router's.
        direct = _direct_handler(self)
        if direct is not None:
            self.app = request_response(direct)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        expects_json = self.body_field is not None and not isinstance(
            self.body_field.field_info, params.Form
        )

        async def decimal_json_handler(request: Request) -> Response:
            sends_body = request.method in ("POST", "PUT", "PATCH")
            if expects_json and sends_body and not _is_json(request.headers.get("content-type")):
                defer_body_problem(
                    request.scope, BodyProblem(415, "Send the body as application/json.")
                )
            return await handler(DecimalJsonRequest(request.scope, request.receive))

        return decimal_json_handler


def _direct_handler(route: APIRoute) -> Handler | None:
    """The handler of a route that needs only its parameters, the caller and simple
    dependencies; None for any other route, which FastAPI's handler serves.

    FastAPI's handler solves a route as a tree of dependencies, looking up four
    kinds of parameter at every level, and wraps the call in its telemetry and
    body handling: 25 µs of a 104 µs by-id read in process (SQLite), more
    than the read itself. This one does what such a route needs, with FastAPI's
    parameter validation and serialization: the same answers, the same errors.
    A simple dependency is the caller (``auth.principal``) or a coroutine
    function of path, query, header and cookie parameters only (a page request).
    FastAPI's telemetry hooks are not fed here: the app turns its telemetry off.
    """
    dependant = route.dependant
    if (
        not all(map(_is_simple, dependant.dependencies))
        or route.body_field is not None
        or route.response_field is None
        or not isinstance(route.response_class, DefaultPlaceholder)
        or route.dependency_overrides_provider is not None
        or not inspect.iscoroutinefunction(dependant.call)
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
    ):
        return None
    call = dependant.call
    response_field = route.response_field
    in_path = set(route.param_convertors)
    demands = [
        (cast(Dependency, demand.call), demand.name, _Parameters(demand, in_path))
        for demand in dependant.dependencies
    ]
    parameters = _Parameters(dependant, in_path)
    request_names = [
        name
        for name in (dependant.request_param_name, dependant.http_connection_param_name)
        if name
    ]
    outcome_name = dependant.response_param_name

    async def direct_handler(request: Request) -> Response:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        solved: dict[Any, Any] = {}
        for demand, name, demand_parameters in demands:  # the router's caller comes first
            if demand in solved:
                value = solved[demand]
            elif isinstance(demand, BearerPrincipal):
                value = solved[demand] = await demand(request)
            else:
                arguments: dict[str, Any] = {}
                if not demand_parameters.read(request, arguments, errors):
                    continue
                value = solved[demand] = await demand(**arguments)
            if name:
                values[name] = value
        parameters.read(request, values, errors)
        if errors:
            raise RequestValidationError(errors)
        values.update(dict.fromkeys(request_names, request))
        outcome = None
        if outcome_name:  # what the endpoint sets on its Response parameter
            outcome = Response(status_code=204)  # no body: no Content-Length to take out
            outcome.status_code = None  # type: ignore[assignment]
            values[outcome_name] = outcome
        answer = await call(**values)
        if isinstance(answer, Response):
            return answer
        content = await serialize_response(
            field=response_field,
            response_content=answer,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=True,
        )
        status = (outcome.status_code if outcome else None) or route.status_code or 200
        response = Response(content=content, status_code=status, media_type="application/json")
        if not is_body_allowed_for_status_code(status):
            response.body = b""
        if outcome is not None:
            response.headers.raw.extend(outcome.headers.raw)
        return response

    return direct_handler


def _is_simple(demand: Dependant) -> bool:
    """Whether the direct handler can solve ``demand``: the caller, or a coroutine
    function of path, query, header and cookie parameters only, run as it is."""
    if isinstance(demand.call, BearerPrincipal):
        return not demand.dependencies
    return (
        inspect.iscoroutinefunction(demand.call)
        and not demand.dependencies
        and not demand.body_params
        and demand.use_cache
        and demand.concurrency is None
        and not any(
            (
                demand.request_param_name,
                demand.http_connection_param_name,
                demand.websocket_param_name,
                demand.response_param_name,
                demand.background_tasks_param_name,
                demand.security_scopes_param_name,
            )
        )
    )


class _Parameters:
    """A dependant's path, query, header and cookie parameters, read and validated
    as FastAPI does.

    A parameter of the route's own path is always there: it is validated with its
    field's validator, without FastAPI's search for it (3.3 of the 3.7 µs it takes
    there). The others go through FastAPI's ``request_params_to_args``.
    """

    def __init__(self, dependant: Dependant, in_path: set[str]) -> None:
        path_fields = [(field, get_validation_alias(field)) for field in dependant.path_params]
        own_path = all(alias in in_path for _, alias in path_fields)
        self._path_fields = path_fields if own_path else []
        self._sources: list[tuple[Any, Callable[[Request], Mapping[str, Any]]]] = [
            (fields, source)
            for fields, source in (
                (
                    [] if own_path else dependant.path_params,
                    lambda request: request.path_params,
                ),
                (dependant.query_params, lambda request: request.query_params),
                (dependant.header_params, lambda request: request.headers),
                (dependant.cookie_params, lambda request: request.cookies),
            )
            if fields
        ]

    def read(self, request: Request, into: dict[str, Any], errors: list[Any]) -> bool:
        """Puts the valid values into ``into`` and the errors into ``errors``; whether
        there were none."""
        found_errors = len(errors)
        if self._path_fields:
            path_values = request.path_params
            for field, alias in self._path_fields:
                value, failed = field.validate(path_values[alias], loc=("path", alias))
                if failed:
                    errors.extend(failed)
                else:
                    into[field.name] = value
        for fields, source in self._sources:
            found, failed = request_params_to_args(fields, source(request))
            into.update(found)
            errors.extend(failed)
        return len(errors) == found_errors


def serve_routes_of(app: FastAPI, router: APIRouter) -> None:
    """Adds the router's routes to the app's own table, as they are, and has the
    table matched through a ``RouteIndex``.

    ``app.include_router`` (FastAPI 0.16x) keeps each router as one node: a
    request is matched twice through it, the node's route version recomputed
    each time (19 µs of a 123 µs by-id read, in process, SQLite), and its
    routes are served from copies that ``StockbookRoute`` cannot lighten. A
    context's router carries its prefix and dependencies in its routes
    already, so they need nothing of ``include_router`` but a place in the table.
    A router with startup or shutdown handlers would need more: it is refused.
    """
    if router.on_startup or router.on_shutdown:
        raise ValueError("serve_routes_of takes routers without startup or shutdown handlers")
    app.router.routes.extend(router.routes)
    if app.router.middleware_stack == app.router.app:  # no router middleware to keep
        app.router.middleware_stack = RouteIndex(app.router)


_FIXED_WIDTH_CONVERTORS = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)
"""Path parameter types that never span a ``/`` (these very classes: a subclass may
match differently)."""


class _Node:
    """A literal path segment: the routes whose literal prefix ends here, and the
    candidates of a request whose walk ends here, by its number of segments."""

    __slots__ = ("any_count", "by_count", "children", "routes")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.routes: list[tuple[int, int | None, Route]] = []
        """(position in the table, number of segments or None if any, route)"""
        self.by_count: dict[int, list[Route]] = {}
        self.any_count: list[Route] = []


class RouteIndex:
    """The app router's dispatch, matching a request against the routes that could
    match its path only, in the table's order.

    Starlette and FastAPI try every route of the table in turn: 0.8 µs each, 11
    µs of a by-id read (in process, SQLite) for the 13 routes ahead of it. Here
    the routes sit in a tree by the literal segments their path begins with;
    a request walks its own segments down the tree, and meets the routes on
    that walk with its number of segments (or a parameter that spans ``/``).
    The first of them to match fully answers it. Anything else (no full match,
    a 405 or a redirect to the path with or without its slash, a ``root_path``,
    FastAPI's telemetry on, a table holding more than plain routes) goes to the
    router's own dispatch. The tree is rebuilt when the table changes length.
    """

    def __init__(self, router: Router) -> None:
        self._router = router
        self._routes: list[BaseRoute] | None = None
        self._size = 0
        self._root: _Node | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self._router.routes
        if routes is not self._routes or len(routes) != self._size:
            self._build(routes)
        if (
            self._root is not None
            and scope["type"] == "http"
            and not scope.get("root_path")
            and scope.get("fastapi.telemetry") is None
        ):
            segments = scope["path"].split("/")
            node = self._root
            for segment in itertools.islice(segments, 1, None):
                child = node.children.get(segment)
                if child is None:
                    break
                node = child
            for route in node.by_count.get(len(segments) - 1, node.any_count):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self._router)
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await self._router.app(scope, receive, send)

    def _build(self, routes: list[BaseRoute]) -> None:
        self._routes, self._size = routes, len(routes)
        if getattr(self._router, "form_limits", None) or not all(
            isinstance(route, Route) for route in routes
        ):
            self._root = None
            return
        root = _Node()
        counts = set()
        for position, route in enumerate(routes):
            assert isinstance(route, Route)
            segments = route.path.split("/")[1:]
            node = root
            for segment in itertools.takewhile(lambda part: "{" not in part, segments):
                node = node.children.setdefault(segment, _Node())
            fixed = all(
                type(convertor) in _FIXED_WIDTH_CONVERTORS
                for convertor in route.param_convertors.values()
            )
            count = len(segments) if fixed else None
            if count is not None:
                counts.add(count)
            node.routes.append((position, count, route))
        _fill(root, [], counts)
        self._root = root


def _fill(node: _Node, inherited: list[tuple[int, int | None, Route]], counts: set[int]) -> None:
    """Gives ``node`` and its subtree their candidates, in the table's order."""
    reachable = sorted([*inherited, *node.routes], key=lambda entry: entry[0])
    node.any_count = [route for _, count, route in reachable if count is None]
    node.by_count = {
        wanted: [route for _, count, route in reachable if count in (wanted, None)]
        for wanted in counts
    }
    for child in node.children.values():
        _fill(child, reachable, counts)
