"""The route class every context's router uses.

It checks the caller's credential itself when a route only demands one
(``dependencies=[Depends(auth.principal)]``, and no parameter nor
``auth.writer`` takes the principal), before FastAPI solves the route's
parameters; the dependency stays in the route's documentation. It reads JSON bodies with numbers as
``Decimal`` (from their text, never via a float), refuses NaN and Infinity,
and answers 415 when a JSON body arrives under another content type — after
authentication, like a body that is not valid JSON (see
``DEFERRED_BODY_PROBLEM``). A request validation error is documented as the
problem it is answered with.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from shared_kernel.web.auth import BearerPrincipal
from shared_kernel.web.problems import BodyProblem, defer_body_problem, problem_responses


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this API accepts")


_UNREADABLE = object()
"""Stands for a body that is not valid JSON: it fails validation, after authentication."""


class DecimalJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
            except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
                reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
                defer_body_problem(self.scope, BodyProblem(422, f"is not valid JSON ({reason})"))
                self._json = _UNREADABLE
        return self._json


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class StockbookRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        # FastAPI documents a request validation error as its own JSON body unless the
        # route documents 422; here it is answered as a problem, so say that instead.
        takes_input = bool(get_flat_params(self.dependant)) or self.body_field is not None
        if takes_input and not {422, "422"} & set(self.responses):
            self.responses = {**self.responses, **problem_responses(422)}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        documented = self.dependant
        gated = _credential_gate(documented)
        gate = gated[0] if gated else None
        if gated is not None:
            # FastAPI solves every dependency as a level of its own (parameters of
            # four kinds looked up, a cache key, a call): 14 µs of a 105 µs by-id
            # read in process (SQLite), where the check itself takes 2.5 µs.
            self.dependant = replace(documented, dependencies=gated[1])
        try:
            handler = super().get_route_handler()
        finally:
            self.dependant = documented
        expects_json = self.body_field is not None and not isinstance(
            self.body_field.field_info, params.Form
        )

        async def decimal_json_handler(request: Request) -> Response:
            sends_body = request.method in ("POST", "PUT", "PATCH")
            if expects_json and sends_body and not _is_json(request.headers.get("content-type")):
                defer_body_problem(
                    request.scope, BodyProblem(415, "Send the body as application/json.")
                )
            if gate is not None:
                await gate(request)
            return await handler(DecimalJsonRequest(request.scope, request.receive))

        return decimal_json_handler


def _credential_gate(dependant: Dependant) -> tuple[BearerPrincipal, list[Dependant]] | None:
    """The credential check a route demands when nothing else on it takes the
    principal, with the route's other dependencies; None for any other route.

    Where something does (a parameter, ``auth.writer``), FastAPI resolves the
    principal once for both: an API key is then looked up once, not twice.
    """
    for demand in dependant.dependencies:
        if demand.name is None and isinstance(demand.call, BearerPrincipal):
            others = [other for other in dependant.dependencies if other is not demand]
            if any(_calls(other, demand.call) for other in others):
                return None
            return demand.call, others
    return None


def _calls(dependant: Dependant, call: object) -> bool:
    """Whether ``dependant`` is, or depends on, ``call``."""
    return dependant.call is call or any(_calls(sub, call) for sub in dependant.dependencies)


def serve_routes_of(app: FastAPI, router: APIRouter) -> None:
    """Adds the router's routes to the app's own table, as they are.

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
