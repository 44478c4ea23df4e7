"""Schemathesis against the live OpenAPI schema, in process, as a real user.

Driven through its Python API (the pytest plugin does not run on pytest 9):
for every operation, bounded, derandomized Hypothesis runs of schema-valid
data, schema-invalid data, and schema-valid data aimed at the seeded
resources (real stock, portfolio, transaction and API-key ids).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import BaseModel
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fuzz.conftest import Seeded

_CURSOR = "opaque cursors: a schema-valid string is not a cursor this API issued"
_IF_MATCH = "If-Match is a string in the schema; a stale version is 412, by contract"
_DECIMALS = "decimals as strings: the schema cannot say > 0 and at most 30 digits"
POSITIVE_DATA_RULES = {
    "POST /api/v1/auth/register": "email syntax and password length are checked by the domain",
    "POST /api/v1/auth/api-keys": "a blank name is refused by the domain",
    "GET /api/v1/auth/api-keys": _CURSOR,
    "POST /api/v1/stocks": "blank names, symbol syntax and GICS names are domain rules",
    "GET /api/v1/stocks": f"sector must be a GICS name; {_CURSOR}",
    "PATCH /api/v1/stocks/{stock_id}": f"symbol and currency are immutable; {_IF_MATCH}",
    "DELETE /api/v1/stocks/{stock_id}": _IF_MATCH,
    "PUT /api/v1/stocks/{stock_id}/prices": _DECIMALS,
    "POST /api/v1/prices/import": "any string is schema-valid CSV; rows are checked by the domain",
    "POST /api/v1/stocks/{stock_id}/splits": "a 1:1 split or one in the future is refused",
    "POST /api/v1/portfolios": "a blank name and unknown currencies are refused",
    "GET /api/v1/portfolios": _CURSOR,
    "PATCH /api/v1/portfolios/{portfolio_id}": f"currency is immutable; {_IF_MATCH}",
    "DELETE /api/v1/portfolios/{portfolio_id}": _IF_MATCH,
    "POST /api/v1/portfolios/{portfolio_id}/transactions": (
        f"{_DECIMALS}; which fields each type needs; the Idempotency-Key syntax"
    ),
    "GET /api/v1/portfolios/{portfolio_id}/transactions": _CURSOR,
    "GET /api/v1/portfolios/{portfolio_id}/performance": "dates before 1900, or from after to",
    "POST /api/v1/portfolios/{portfolio_id}/transactions/import": (
        "the Idempotency-Key syntax; rows are checked by the domain"
    ),
}
"""Operations where "schema-valid data is accepted" is not checked, and why: the
schema cannot say every rule the domain enforces, so there the check reports
rules, not bugs. Every other check — no 5xx, response schema, documented status
codes and content types, negative data rejected, missing auth refused, … — runs
on every operation, and this one too on every operation not listed."""


def _unchecked(label: str) -> list[Any]:
    return [positive_data_acceptance] if label in POSITIVE_DATA_RULES else []


BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    print_blob=False,
)

_PARAMETER = re.compile(r"\{([^}]+)\}")


class Item(BaseModel):
    name: str


def _variants(path: str, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    variants: dict[str, dict[str, Any]] = {
        "positive": {"generation_mode": GenerationMode.POSITIVE},
        "negative": {"generation_mode": GenerationMode.NEGATIVE},
    }
    names = _PARAMETER.findall(path)
    if names and all(name in ids for name in names):
        variants["seeded"] = {
            "generation_mode": GenerationMode.POSITIVE,
            "path_parameters": {name: ids[name] for name in names},
        }
    return variants


def _runner(operation: Any, options: dict[str, Any], headers: dict[str, str]) -> Callable[[], None]:
    excluded = _unchecked(operation.label)

    @BOUNDED
    @given(case=operation.as_strategy(**options))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    return run


def fuzz(
    schema: schemathesis.BaseSchema, headers: dict[str, str], ids: dict[str, str]
) -> dict[str, str]:
    """Every failure schemathesis finds, by operation and variant."""
    failures: dict[str, str] = {}
    for operation in [result.ok() for result in schema.get_all_operations()]:
        for variant, options in _variants(operation.path, ids).items():
            try:
                _runner(operation, options, headers)()
            except Unsatisfiable:
                # Nothing to get wrong: no parameter or body to break (negative mode only).
                assert variant == "negative", f"{operation.label} [{variant}]: no case generated"
            except (Exception, BaseExceptionGroup) as error:
                failures[f"{operation.label} [{variant}]"] = str(error)[:3000]
    return failures


def test_api_conforms_to_its_schema(api_schema: schemathesis.BaseSchema, seeded: Seeded) -> None:
    assert len(list(api_schema.get_all_operations())) >= 25, "is /openapi.json complete?"
    failures = fuzz(api_schema, {"Authorization": f"Bearer {seeded.owner_token}"}, seeded.ids)
    assert not failures, "\n\n".join(f"{key}:\n{value}" for key, value in failures.items())


def test_the_fuzzing_catches_what_it_must() -> None:
    """The same run on a deliberately broken app: each breakage is reported."""
    broken = FastAPI()

    @broken.get("/undocumented-status", responses={404: {"description": "missing"}})
    async def undocumented_status() -> Response:
        return Response(status_code=418)

    @broken.get("/wrong-shape")
    async def wrong_shape() -> Item:
        return JSONResponse({"name": 1})  # type: ignore[return-value]

    @broken.get("/server-error")
    async def server_error() -> Item:
        raise RuntimeError("boom")

    @broken.get("/fine")
    async def fine() -> Item:
        return Item(name="ok")

    failures = fuzz(schemathesis.openapi.from_asgi("/openapi.json", broken), {}, {})
    assert set(failures) == {
        "GET /undocumented-status [positive]",
        "GET /wrong-shape [positive]",
        "GET /server-error [positive]",
    }
    assert "Undocumented status code" in failures["GET /undocumented-status [positive]"]
    assert "Response violates schema" in failures["GET /wrong-shape [positive]"]
    # Reported as a 500, or as the exception itself when the app re-raises it.
    assert any(
        word in failures["GET /server-error [positive]"] for word in ("Server error", "boom")
    )


def test_every_listed_exception_is_a_real_operation(api_schema: schemathesis.BaseSchema) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert set(POSITIVE_DATA_RULES) <= labels, "stale entries in POSITIVE_DATA_RULES"
