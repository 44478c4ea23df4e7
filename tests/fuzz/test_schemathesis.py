"""Schemathesis against the live OpenAPI schema, in process, as two real users.

Driven through its Python API (the pytest plugin does not run on pytest 9):
for every operation, bounded, derandomized Hypothesis runs of schema-valid
data, schema-invalid data, and schema-valid data aimed at the seeded
resources (real stock, portfolio, transaction and API-key ids); then stateful
scenarios, which chain a create into reads of what it created. Requests go out
as the owner (``load_schema`` tells schemathesis about both users); every check
runs, so ``ignored_auth`` replays a success without credentials and with forged
ones, and ``object_level_authorization`` replays the owner's reads of objects it
created in a scenario as the intruder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, TypeAlias

import schemathesis
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from pydantic import BaseModel
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    object_level_authorization,
    positive_data_acceptance,
    use_after_free,
)

from tests.fuzz.conftest import Seeded, load_schema

# A case of one of the schema's operations, which schemathesis yields without their
# type parameters.
OperationCase: TypeAlias = schemathesis.Case[schemathesis.APIOperation[Any, Any, Any, Any]]

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
    "DELETE /api/v1/transactions/{transaction_id}": _IF_MATCH,
}
"""Operations where "schema-valid data is accepted" is not checked, and why: the
schema cannot say every rule the domain enforces, so there the check reports
rules, not bugs."""

_DELISTED = "DELETE /stocks/{stock_id} delists: the stock stays, for history, by contract"
KEPT_AFTER_DELETE = {
    "GET /api/v1/stocks/{stock_id}": _DELISTED,
    "PATCH /api/v1/stocks/{stock_id}": _DELISTED,
    "GET /api/v1/stocks/{stock_id}/prices": _DELISTED,
    "GET /api/v1/stocks/{stock_id}/splits": _DELISTED,
}
"""Operations where "a deleted resource is gone" (``use_after_free``) is not checked,
and why. Every other check — no 5xx, response schema, documented status codes and
content types, negative data rejected, missing and forged credentials refused, one
user's objects kept from the other, … — runs on every operation, and the three
checks these lists name on every operation not listed."""

_CATALOG = "the stock catalog is one for all users: a stock has no owner to keep it from others"
SHARED = {
    "GET /api/v1/stocks/{stock_id}": _CATALOG,
    "GET /api/v1/stocks/by-symbol/{symbol}": _CATALOG,
    "GET /api/v1/stocks/{stock_id}/prices": _CATALOG,
    "GET /api/v1/stocks/{stock_id}/splits": _CATALOG,
}
"""Operations where "one user's objects are kept from the other"
(``object_level_authorization``) is not checked, and why: a scenario in which the
owner registers a stock and reads it would otherwise report the other user's read
of the same stock, which the catalog answers by design."""


def _unchecked(label: str, enforced: set[str]) -> list[Any]:
    """The checks not run on an operation: see above; and ``ignored_auth`` once the
    operation has refused a request sent without credentials and one with forged ones
    — once a run, as schemathesis's own runner does."""
    rules = [
        check
        for check, listed in (
            (positive_data_acceptance, POSITIVE_DATA_RULES),
            (use_after_free, KEPT_AFTER_DELETE),
            (object_level_authorization, SHARED),
        )
        if label in listed
    ]
    return [*rules, ignored_auth] if label in enforced else rules


def _passed(case: OperationCase, status_code: int, enforced: set[str]) -> None:
    """Note that ``case`` passed every check: if it succeeded, ``ignored_auth`` sent it
    again without credentials and with forged ones, and both were refused."""
    if 200 <= status_code < 300:
        enforced.add(case.operation.label)


BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    print_blob=False,
)

SCENARIOS = settings(BOUNDED, stateful_step_count=10)
SCENARIO_RUNS = 3
"""Runs of the stateful scenarios at most, until the object-level check has had data."""

_PARAMETER = re.compile(r"\{([^}]+)\}")


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


def _runner(operation: Any, options: dict[str, Any], enforced: set[str]) -> Callable[[], None]:
    # Derandomized, Hypothesis seeds the run from this function's source and signature
    # (comments aside): annotated as `OperationCase`, it would draw other cases.
    @BOUNDED
    @given(case=operation.as_strategy(**options))
    def run(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
        excluded = _unchecked(operation.label, enforced)
        _passed(case, case.call_and_validate(excluded_checks=excluded).status_code, enforced)

    return run


def _scenarios(
    schema: schemathesis.BaseSchema, enforced: set[str]
) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Stateful scenarios: the first failure of each operation (a failure does not end
    them), and which operations were sent as which user, the checks' requests included."""
    failures: dict[str, str] = {}
    sent_as: set[tuple[str, str]] = set()

    # Hypothesis seeds the scenarios from this class's source (comments aside): annotated
    # as `OperationCase`, `case` would make them draw other steps.
    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case,  # type: ignore[type-arg]
            additional_checks: list[Any] | None = None,
            **kwargs: Any,
        ) -> None:
            try:
                case.validate_response(
                    response,
                    additional_checks=additional_checks,
                    excluded_checks=_unchecked(case.operation.label, enforced),
                    transport_kwargs=kwargs or None,
                    # The scenario so far: who created what is read now.
                    recorder=self.recorder,
                )
            except (Exception, BaseExceptionGroup) as error:
                failures.setdefault(f"{case.operation.label} [stateful]", str(error)[:3000])
            else:
                _passed(case, response.status_code, enforced)

        def teardown(self) -> None:
            sent_as.update(
                (case.operation.label, case.auth_identity)
                for case in self.recorder.find_all_cases()
                if case.auth_identity is not None
            )

    # Hypothesis replays the start of earlier scenarios; once the API's data has moved on, one
    # goes differently and Hypothesis calls the run flaky. As in schemathesis's own runner,
    # that ends the scenarios, and the ones run so far stand. How soon that happens depends
    # on what else the process did before (object addresses order some of its choices): a
    # run that ended before any read of the owner's was replayed as the intruder is followed
    # by another, on the data the earlier ones left.
    for _ in range(SCENARIO_RUNS):
        with suppress(Flaky):
            Scenarios.run(settings=SCENARIOS)
        if _intruder_replays(sent_as):
            break
    return failures, sent_as


def _intruder_replays(sent_as: set[tuple[str, str]]) -> set[str]:
    """The owner's portfolio reads that object_level_authorization replayed as the intruder."""
    return {
        label
        for label, user in sent_as
        if user == "intruder" and label.startswith("GET /api/v1/portfolios/{portfolio_id}")
    }


def operations(
    schema: schemathesis.BaseSchema,
) -> list[schemathesis.APIOperation[Any, Any, Any, Any]]:
    """The schema's operations, each of which it must have read without error."""
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation of the schema is invalid: {result.err()}"
        found.append(result.ok())
    return found


def fuzz(
    schema: schemathesis.BaseSchema, ids: dict[str, str]
) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Every failure schemathesis finds, by operation and variant; and which operations
    the scenarios sent as which user."""
    failures: dict[str, str] = {}
    enforced: set[str] = set()
    for operation in operations(schema):
        for variant, options in _variants(operation.path, ids).items():
            try:
                _runner(operation, options, enforced)()
            except Unsatisfiable:
                # Nothing to get wrong: no parameter or body to break (negative mode only).
                assert variant == "negative", f"{operation.label} [{variant}]: no case generated"
            except (Exception, BaseExceptionGroup) as error:
                failures[f"{operation.label} [{variant}]"] = str(error)[:3000]
    scenario_failures, sent_as = _scenarios(schema, enforced)
    return failures | scenario_failures, sent_as


def test_api_conforms_to_its_schema(api_schema: schemathesis.BaseSchema, seeded: Seeded) -> None:
    assert len(list(api_schema.get_all_operations())) >= 25, "is /openapi.json complete?"
    failures, sent_as = fuzz(api_schema, seeded.ids)
    assert not failures, "\n\n".join(f"{key}:\n{value}" for key, value in failures.items())
    # object_level_authorization had the owner's reads of its own portfolios to replay.
    assert _intruder_replays(sent_as), (
        f"no read of the owner's portfolios was replayed as the intruder: {sorted(sent_as)}"
    )


class NewThing(BaseModel):
    name: str


class Thing(NewThing):
    id: int


TOKENS = {"alice": "alice-token", "bob": "bob-token"}
_BEARER = OAuth2PasswordBearer(tokenUrl="/token")


def _user(token: Annotated[str, Depends(_BEARER)]) -> str:
    for name, known in TOKENS.items():
        if token == known:
            return name
    raise HTTPException(401)


User = Annotated[str, Depends(_user)]
AnyoneMaybe = Annotated[str | None, Depends(OAuth2PasswordBearer("/token", auto_error=False))]


def test_the_fuzzing_catches_what_it_must(tmp_path: Path) -> None:
    """The same run on a deliberately broken app, as two users: each breakage is reported."""
    broken = FastAPI()
    things: dict[int, Thing] = {}

    @broken.post(
        "/things",
        status_code=201,
        responses={400: {"description": "not JSON"}, 401: {"description": "no user"}},
    )
    async def create_thing(body: NewThing, _: User) -> Thing:
        thing = Thing(id=len(things) + 1, name=body.name)
        things[thing.id] = thing
        return thing

    @broken.get(
        "/things/{thing_id}",
        responses={401: {"description": "no user"}, 404: {"description": "no thing"}},
    )
    async def read_anyones_thing(thing_id: int, _: User) -> Thing:
        if thing_id not in things:
            raise HTTPException(404)
        return things[thing_id]

    @broken.get("/ignores-auth", responses={401: {"description": "no user"}})
    async def ignores_auth(_: AnyoneMaybe) -> NewThing:
        return NewThing(name="anyone's")

    @broken.get("/undocumented-status", responses={404: {"description": "missing"}})
    async def undocumented_status() -> Response:
        return Response(status_code=418)

    @broken.get("/wrong-shape")
    async def wrong_shape() -> NewThing:
        return JSONResponse({"name": 1})  # type: ignore[return-value]

    @broken.get("/server-error")
    async def server_error() -> NewThing:
        raise RuntimeError("boom")

    @broken.get("/fine")
    async def fine() -> NewThing:
        return NewThing(name="ok")

    failures, _ = fuzz(load_schema(broken, TOKENS, tmp_path), {})
    assert set(failures) == {
        "GET /undocumented-status [positive]",
        "GET /wrong-shape [positive]",
        "GET /server-error [positive]",
        "GET /ignores-auth [positive]",
        "GET /ignores-auth [negative]",
        "GET /things/{thing_id} [stateful]",
    }
    assert "Undocumented status code" in failures["GET /undocumented-status [positive]"]
    assert "Response violates schema" in failures["GET /wrong-shape [positive]"]
    # Reported as a 500, or as the exception itself when the app re-raises it.
    assert any(
        word in failures["GET /server-error [positive]"] for word in ("Server error", "boom")
    )
    for variant in ("positive", "negative"):
        reported = failures[f"GET /ignores-auth [{variant}]"]
        assert "API accepts requests without authentication" in reported
    reported = failures["GET /things/{thing_id} [stateful]"]
    assert "`bob` received the `Thing` that `alice` owns" in reported


def test_every_listed_exception_is_a_real_operation(api_schema: schemathesis.BaseSchema) -> None:
    labels = {operation.label for operation in operations(api_schema)}
    assert set(POSITIVE_DATA_RULES) <= labels, "stale entries in POSITIVE_DATA_RULES"
    assert set(KEPT_AFTER_DELETE) <= labels, "stale entries in KEPT_AFTER_DELETE"
