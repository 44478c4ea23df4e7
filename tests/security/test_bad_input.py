"""Bad input never 500s: each hostile request below gets the right problem+json,
nothing is stored, and no body shows a stack trace or SQL.

The cases are generated — every string field of every create body, every
decimal field, every hostile number, date and id — not written one by one.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.security.conftest import OwnerData

MIB = 1024 * 1024
HUGE = "x" * 1_000_000
A_THOUSAND_DIGITS = "9" * 1000
VALID_TRANSACTION = {
    "type": "DEPOSIT",
    "amount": "10",
    "executed_at": "2025-01-05T10:00:00Z",
}
VALID_BUY = {
    "type": "BUY",
    "quantity": "1",
    "price": "10",
    "executed_at": "2025-01-05T10:00:00Z",
}
_LEAKS = re.compile(
    r"Traceback|File \"|sqlalchemy|asyncpg|aiosqlite|psycopg"
    r"|\bSELECT\b|\bINSERT\b|\bUPDATE \w+ SET\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    code: str
    request: dict[str, Any] = field(default_factory=dict)


def _stream(size: int) -> Iterator[bytes]:
    chunk = b"x" * MIB
    sent = 0
    while sent < size:
        yield chunk
        sent += len(chunk)


def _json(value: Any) -> dict[str, Any]:
    return {"json": value}


def _raw_json(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


def _creates() -> dict[str, tuple[str, dict[str, Any]]]:
    """Every create body: (path, a valid body whose fields the cases spoil)."""
    return {
        "stock": ("/api/v1/stocks", {"symbol": "NEWCO", "name": "New Co", "notes": "n"}),
        "portfolio": ("/api/v1/portfolios", {"name": "New", "description": "d"}),
        "transaction": (
            "/api/v1/portfolios/{portfolio_id}/transactions",
            {**VALID_BUY, "stock_id": "{stock_id}", "notes": "n", "external_id": "e"},
        ),
        "api-key": ("/api/v1/auth/api-keys", {"name": "key", "scope": "read"}),
        "split": (
            "/api/v1/stocks/{stock_id}/splits",
            {"effective_date": "2025-01-03", "numerator": 2, "denominator": 1},
        ),
        "prices": (
            "/api/v1/stocks/{stock_id}/prices",
            {"prices": [{"date": "2025-01-03", "close": "11", "open": "10"}]},
        ),
    }


STRING_FIELDS = {
    "stock": [
        "symbol",
        "name",
        "currency",
        "sector",
        "industry_group",
        "exchange",
        "grade",
        "notes",
    ],
    "portfolio": ["name", "description", "currency"],
    "transaction": ["type", "stock_id", "executed_at", "notes", "external_id"],
    "api-key": ["name", "scope"],
    "split": ["effective_date"],
}
DECIMAL_FIELDS = {"transaction": ["quantity", "price", "fee", "tax"]}
HOSTILE_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    A_THOUSAND_DIGITS,
    "-" + A_THOUSAND_DIGITS,
]
NUMBERS_NOT_IN_PLAIN_DIGITS = ["1_0", "\u0661\u0662", "\uff11\uff12"]
"""Numbers to Python (underscores, Arabic-Indic and full-width digits), not to this API."""
HOSTILE_DATES = ["0000-01-01", "10000-01-01", "2025-13-01", "2025-02-30"]
HOSTILE_TIMESTAMPS = [
    "9999-12-31T23:59:60Z",
    "10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "2025-01-05T25:00:00Z",
]
LIST_PATHS = [
    "/api/v1/stocks",
    "/api/v1/portfolios",
    "/api/v1/auth/api-keys",
    "/api/v1/portfolios/{portfolio_id}/transactions",
]


_OFF_THE_CALENDAR = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00")


def _method(kind: str) -> str:
    return "PUT" if kind == "prices" else "POST"


def cases() -> Iterator[Case]:
    creates = _creates()
    # Oversized bodies: declared, and streamed without a Content-Length.
    for kind, (path, _) in [*creates.items(), ("csv", ("/api/v1/prices/import", {}))]:
        over = 10 * MIB + 1
        yield Case(
            f"declared-11MiB-{kind}",
            _method(kind),
            path,
            413,
            "PAYLOAD_TOO_LARGE",
            {"content": b"x" * over, "headers": {"Content-Type": "application/json"}},
        )
    for path in [
        "/api/v1/stocks",
        "/api/v1/prices/import",
        "/api/v1/portfolios/{portfolio_id}/transactions/import",
    ]:
        media = "text/csv" if path.endswith("import") else "application/json"
        yield Case(
            f"streamed-11MiB-{path}",
            "POST",
            path,
            413,
            "PAYLOAD_TOO_LARGE",
            {"stream": 11 * MIB, "headers": {"Content-Type": media}},
        )
    # Wrong content types.
    for kind, (path, body) in creates.items():
        for media in ["text/plain", "application/xml", "application/x-www-form-urlencoded"]:
            yield Case(
                f"content-type-{media}-{kind}",
                _method(kind),
                path,
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                {"content": json.dumps(body).encode(), "headers": {"Content-Type": media}},
            )
    for path in ["/api/v1/prices/import", "/api/v1/portfolios/{portfolio_id}/transactions/import"]:
        yield Case(f"json-to-csv-{path}", "POST", path, 415, "UNSUPPORTED_MEDIA_TYPE", _json({}))
    # Invalid UTF-8 in CSV uploads.
    for path, csv in [
        ("/api/v1/prices/import", b"symbol,date,close\nSAFE,2025-01-03,1\xff\xfe\n"),
        (
            "/api/v1/portfolios/{portfolio_id}/transactions/import",
            b"executed_at,type,amount,notes\n2025-01-05T10:00:00Z,DEPOSIT,5,caf\xe9\n",
        ),
    ]:
        yield Case(
            f"invalid-utf8-{path}",
            "POST",
            path,
            422,
            "IMPORT_REJECTED",
            {"content": csv, "headers": {"Content-Type": "text/csv"}},
        )
    # A header repeating a column up to a megabyte: checked in one pass (it took hours).
    for path, header in [
        ("/api/v1/prices/import", b"symbol,date" + b",close" * 170_000),
        (
            "/api/v1/portfolios/{portfolio_id}/transactions/import",
            b"type" + b",executed_at" * 80_000,
        ),
    ]:
        yield Case(
            f"repeated-columns-{path}",
            "POST",
            path,
            422,
            "IMPORT_REJECTED",
            {"content": header + b"\n", "headers": {"Content-Type": "text/csv"}},
        )
    # 1 MB strings and null bytes in every string field of every create body.
    for kind, names in STRING_FIELDS.items():
        path, body = creates[kind]
        for name in names:
            yield Case(
                f"1MB-{kind}.{name}",
                _method(kind),
                path,
                422,
                "VALIDATION_ERROR",
                _json({**body, name: HUGE}),
            )
            yield Case(
                f"nul-{kind}.{name}",
                _method(kind),
                path,
                422,
                "VALIDATION_ERROR",
                _json({**body, name: "bad\u0000value"}),
            )
            # A lone surrogate is no character (nothing can store it as UTF-8): as
            # JSON's escape, and as its bytes (which Python's JSON reader lets pass).
            escaped = json.dumps({**body, name: "@@"}).replace('"@@"', '"a\\udc80b"')
            yield Case(
                f"surrogate-{kind}.{name}",
                _method(kind),
                path,
                422,
                "VALIDATION_ERROR",
                _raw_json(escaped),
            )
            yield Case(
                f"surrogate-bytes-{kind}.{name}",
                _method(kind),
                path,
                422,
                "VALIDATION_ERROR",
                {
                    "content": escaped.encode().replace(b"\\udc80", b"\xed\xb2\x80"),
                    "headers": {"Content-Type": "application/json"},
                },
            )
    # Null bytes in query strings and CSV cells (PostgreSQL refuses U+0000 in text).
    for path, name in [
        ("/api/v1/stocks", "q"),
        ("/api/v1/stocks", "sector"),
        ("/api/v1/stocks", "sort"),
        ("/api/v1/portfolios/{portfolio_id}/transactions", "type"),
        ("/api/v1/portfolios/{portfolio_id}/holdings", "cost_basis"),
        ("/api/v1/portfolios/{portfolio_id}/allocation", "by"),
    ]:
        yield Case(
            f"nul-query-{path}?{name}",
            "GET",
            path,
            422,
            "VALIDATION_ERROR",
            {"params": {name: "a\u0000b"}},
        )
    for path, csv in [
        ("/api/v1/prices/import", b"symbol,date,close\nSA\x00FE,2025-01-03,1\n"),
        (
            "/api/v1/portfolios/{portfolio_id}/transactions/import",
            b"executed_at,type,amount,notes\n2025-01-05T10:00:00Z,DEPOSIT,5,a\x00b\n",
        ),
        (
            "/api/v1/portfolios/{portfolio_id}/transactions/import",
            b"executed_at,type,amount,external_id\n2025-01-05T10:00:00Z,DEPOSIT,5,a\x00b\n",
        ),
    ]:
        yield Case(
            f"nul-csv-{path}-{csv[:30]!r}",
            "POST",
            path,
            422,
            "IMPORT_REJECTED",
            {"content": csv, "headers": {"Content-Type": "text/csv"}},
        )
    # A NUL in the login name is malformed input (422); in a password, just a wrong one (401).
    for username, password, status, code in [
        ("a\u0000b@example.com", "x" * 12, 422, "VALIDATION_ERROR"),
        ("owner@example.com", "a\u0000b", 401, "UNAUTHENTICATED"),
    ]:
        yield Case(
            f"nul-login-{status}",
            "POST",
            "/api/v1/auth/token",
            status,
            code,
            {"data": {"username": username, "password": password}},
        )
    # Hostile numbers, as strings and as JSON tokens, in every decimal field.
    decimal_targets = [
        (kind, path, body, name)
        for kind, names in DECIMAL_FIELDS.items()
        for (path, body) in [creates[kind]]
        for name in names
    ]
    decimal_targets.append(("deposit", creates["transaction"][0], VALID_TRANSACTION, "amount"))
    for kind, path, body, name in decimal_targets:
        for number in HOSTILE_NUMBERS:
            yield Case(
                f"string-{number[:12]}-{kind}.{name}",
                "POST",
                path,
                422,
                "VALIDATION_ERROR",
                _json({**body, name: number}),
            )
            token = json.dumps({**body, name: "@@"}).replace('"@@"', number)
            yield Case(
                f"token-{number[:12]}-{kind}.{name}",
                "POST",
                path,
                422,
                "VALIDATION_ERROR",
                _raw_json(token),
            )
        for number in NUMBERS_NOT_IN_PLAIN_DIGITS:
            yield Case(
                f"string-{number.encode('unicode_escape').decode()}-{kind}.{name}",
                "POST",
                path,
                422,
                "VALIDATION_ERROR",
                _json({**body, name: number}),
            )
    for number in [*HOSTILE_NUMBERS, *NUMBERS_NOT_IN_PLAIN_DIGITS]:
        for column in ["close", "open"]:
            prices = {"prices": [{"date": "2025-01-03", "close": "1", column: number}]}
            yield Case(
                f"price-{number[:12].encode('unicode_escape').decode()}-{column}",
                "PUT",
                creates["prices"][0],
                422,
                "VALIDATION_ERROR",
                _json(prices),
            )
    whole_number_targets = [
        (creates["split"], "numerator"),
        (creates["split"], "denominator"),
        ((creates["prices"][0], {"prices": [{"date": "2025-01-03", "close": "1"}]}), "volume"),
    ]
    for (path, body), name in whole_number_targets:
        for number in NUMBERS_NOT_IN_PLAIN_DIGITS:
            override = {name: number}
            sent = (
                {**body, **override}
                if name != "volume"
                else {"prices": [{**body["prices"][0], **override}]}
            )
            yield Case(
                f"whole-number-{number.encode('unicode_escape').decode()}-{name}",
                _method("prices") if name == "volume" else "POST",
                path,
                422,
                "VALIDATION_ERROR",
                _json(sent),
            )
    yield Case(
        "split-1000-digits",
        "POST",
        creates["split"][0],
        422,
        "VALIDATION_ERROR",
        _raw_json(
            json.dumps({**creates["split"][1], "numerator": "@"}).replace('"@"', A_THOUSAND_DIGITS)
        ),
    )
    # Dates out of range.
    for value in HOSTILE_DATES:
        yield Case(
            f"price-date-{value}",
            "PUT",
            creates["prices"][0],
            422,
            "VALIDATION_ERROR",
            _json({"prices": [{"date": value, "close": "1"}]}),
        )
        yield Case(
            f"split-date-{value}",
            "POST",
            creates["split"][0],
            422,
            "VALIDATION_ERROR",
            _json({**creates["split"][1], "effective_date": value}),
        )
        for query in ["from", "to"]:
            for path in [
                "/api/v1/portfolios/{portfolio_id}/performance",
                "/api/v1/stocks/{stock_id}/prices",
                "/api/v1/portfolios/{portfolio_id}/transactions",
            ]:
                yield Case(
                    f"query-{query}-{value}-{path}",
                    "GET",
                    path,
                    422,
                    "VALIDATION_ERROR",
                    {"params": {query: value}},
                )
    for value in HOSTILE_TIMESTAMPS:
        yield Case(
            f"executed_at-{value}",
            "POST",
            creates["transaction"][0],
            422,
            "VALIDATION_ERROR",
            _json({**VALID_TRANSACTION, "executed_at": value}),
        )
    # Deeply nested JSON, in a field and as the whole body.
    for depth in [1_000, 100_000]:
        nested = "[" * depth + "]" * depth
        yield Case(
            f"nested-{depth}-field",
            "POST",
            "/api/v1/portfolios",
            422,
            "VALIDATION_ERROR",
            _raw_json(f'{{"name": {nested}}}'),
        )
        yield Case(
            f"nested-{depth}-body",
            "POST",
            "/api/v1/stocks",
            422,
            "VALIDATION_ERROR",
            _raw_json(nested),
        )
    # Paging: huge, zero or negative limits and garbage cursors.
    for path in LIST_PATHS:
        for limit in ["0", "-1", "501", "1" + "0" * 40, "1e3", "NaN", *NUMBERS_NOT_IN_PLAIN_DIGITS]:
            yield Case(
                f"limit-{limit[:8]}-{path}",
                "GET",
                path,
                422,
                "VALIDATION_ERROR",
                {"params": {"limit": limit}},
            )
        for cursor in ["garbage", "\u0000", "eyJ9", "A" * 5000, "%%%", "e30="]:
            yield Case(
                f"cursor-{cursor[:8]!r}-{path}",
                "GET",
                path,
                422,
                "VALIDATION_ERROR",
                {"params": {"cursor": cursor}},
            )
    # Cursors made by hand: well-formed, but holding what no list hands out.
    row_id = "12345678-1234-5678-1234-567812345678"
    by_time: list[tuple[str, dict[str, str]]] = [
        (path, {}) for path in LIST_PATHS if path != "/api/v1/stocks"
    ] + [("/api/v1/stocks", {"sort": key}) for key in ("created_at", "-created_at")]
    by_text = [("/api/v1/stocks", {}), ("/api/v1/stocks", {"sort": "name"}), *by_time]
    forged = [
        # in UTC, before the calendar's first day and after its last
        *((lists, [moment, row_id]) for lists in by_time for moment in _OFF_THE_CALENDAR),
        # text no column holds: half a surrogate pair, a NUL
        *(
            (lists, keyset)
            for lists in by_text
            for text in ("\ud800", "a\u0000")
            for keyset in ([text], [text, row_id])
        ),
    ]
    for index, ((path, params), keyset) in enumerate(forged):
        cursor = base64.urlsafe_b64encode(json.dumps(keyset).encode()).decode().rstrip("=")
        yield Case(
            f"forged-cursor-{index}-{path}-{params}",
            "GET",
            path,
            422,
            "VALIDATION_ERROR",
            {"params": {**params, "cursor": cursor}},
        )
    # Ids that are not UUIDs.
    for template in [
        "/api/v1/portfolios/{}",
        "/api/v1/portfolios/{}/holdings",
        "/api/v1/transactions/{}",
        "/api/v1/stocks/{}",
        "/api/v1/stocks/{}/prices",
        "/api/v1/auth/api-keys/{}",
    ]:
        for bad in ["not-a-uuid", "1", "' OR 1=1 --", "%00", "0" * 5000]:
            method = "DELETE" if template.endswith("api-keys/{}") else "GET"
            yield Case(f"id-{bad[:10]}-{template}", method, template.format(bad), 404, "NOT_FOUND")
    for symbol in ["SA%00FE", "%00", "x" * 5000]:
        yield Case(
            f"symbol-{symbol[:8]}", "GET", f"/api/v1/stocks/by-symbol/{symbol}", 404, "NOT_FOUND"
        )


CASES = list(cases())


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, actual in ids.items():
            value = value.replace("{" + name + "}", actual)
        return value
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


async def _state(client: httpx.AsyncClient, data: OwnerData) -> list[str]:
    """Everything the owner can list: a hostile request must not add to it."""
    paths = [
        "/api/v1/stocks?listed=false&limit=500",
        "/api/v1/stocks?limit=500",
        "/api/v1/portfolios?limit=500",
        "/api/v1/auth/api-keys?limit=500",
        f"/api/v1/portfolios/{data.portfolio_id}/transactions?include_voided=true&limit=500",
        f"/api/v1/stocks/{data.stock_id}/prices",
        f"/api/v1/stocks/{data.stock_id}/splits",
    ]
    return [(await client.get(path)).text for path in paths]


async def _send(client: httpx.AsyncClient, case: Case, ids: dict[str, str]) -> httpx.Response:
    request = dict(case.request)
    size = request.pop("stream", None)
    if size is not None:

        async def body() -> AsyncIterator[bytes]:
            for chunk in _stream(size):
                yield chunk

        request["content"] = body()
    if "json" in request:
        request["json"] = _fill(request["json"], ids)
    return await client.request(case.method, _fill(case.path, ids), **request)


def test_the_cases_cover_every_kind_of_bad_input() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for prefix in [
        "declared-",
        "streamed-",
        "content-type-",
        "invalid-utf8-",
        "repeated-columns-",
        "1MB-",
        "nul-",
        "surrogate-",
        "surrogate-bytes-",
        "string-NaN",
        "token-Infinity",
        "price-date-",
        "executed_at-",
        "nested-",
        "limit-",
        "whole-number-",
        "cursor-",
        "id-",
    ]:
        assert any(name.startswith(prefix) for name in names), prefix


async def test_bad_input_is_answered_with_the_right_problem_and_never_stored(
    client: httpx.AsyncClient, owner_data: OwnerData
) -> None:
    ids = {
        "portfolio_id": owner_data.portfolio_id,
        "stock_id": owner_data.stock_id,
        "transaction_id": owner_data.transaction_id,
    }
    before = await _state(client, owner_data)
    wrong = []
    for case in CASES:
        response = await _send(client, case, ids)
        body = response.text
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        got = (response.status_code, problem.get("code"))
        if (
            got != (case.status, case.code)
            or response.headers.get("content-type") != "application/problem+json"
            or not problem.get("request_id")
            or problem.get("request_id") != response.headers.get("x-request-id")
            or problem.get("status") != response.status_code
            or _LEAKS.search(body)
        ):
            wrong.append(f"{case.name}: {got} {response.headers.get('content-type')} {body[:300]}")
    assert wrong == [], f"{len(wrong)} of {len(CASES)} cases wrong:\n" + "\n".join(wrong)
    assert await _state(client, owner_data) == before, "a refused request stored something"


async def test_a_surrogate_pair_is_one_character_and_welcome(client: httpx.AsyncClient) -> None:
    """Only a lone half of a pair is refused: JSON's escape of a whole pair is a character."""
    body = '{"name": "Chart \\ud83d\\udcc8 and caf\\u00e9"}'
    response = await client.post("/api/v1/portfolios", **_raw_json(body))
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Chart \U0001f4c8 and café"
