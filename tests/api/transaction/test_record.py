"""POST /portfolios/{id}/transactions: every validation rule, exact decimals, Location."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

import httpx
import pytest

from tests.api.transaction.book_api import (
    TRANSACTION_FIELDS,
    TRANSACTIONS,
    assert_problem,
    buy,
    create_portfolio,
    create_stock,
    delist,
    list_all,
    post_raw,
    record,
    record_ok,
    trade,
    transactions_url,
)

AT = "2025-01-15T10:00:00Z"


async def test_a_buy_is_201_with_location_and_the_whole_transaction(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    response = await record(
        client,
        portfolio["id"],
        trade(
            "BUY",
            stock["id"],
            "10",
            AT,
            price="150.25",
            fee="1.50",
            tax="0.25",
            notes="first lot",
            external_id="broker-1",
        ),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == TRANSACTION_FIELDS
    assert response.headers["location"] == f"{TRANSACTIONS}/{body['id']}"
    assert body["portfolio_id"] == portfolio["id"]
    assert body["type"] == "BUY"
    assert body["stock_id"] == stock["id"]
    assert body["symbol"] == "AAPL"
    assert (body["quantity"], body["price"], body["amount"]) == ("10", "150.25", "1502.50")
    assert (body["fee"], body["tax"]) == ("1.50", "0.25")
    assert body["currency"] == "USD"
    assert body["executed_at"] == AT
    assert body["notes"] == "first lot"
    assert body["external_id"] == "broker-1"
    assert body["voided_at"] is None
    recorded_at = datetime.fromisoformat(body["recorded_at"])
    assert recorded_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - recorded_at) < timedelta(minutes=1)

    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body


async def test_every_type_records_with_its_own_fields(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "5", "2025-01-02T00:00:00Z")
    bodies: list[dict[str, Any]] = [
        trade("SELL", sid, "2", AT, price="0"),  # price 0 is allowed (≥ 0)
        {"type": "DIVIDEND", "stock_id": sid, "amount": "3.20", "tax": "0.48", "executed_at": AT},
        {"type": "INTEREST", "amount": "1.05", "tax": "0.25", "executed_at": AT},
        {"type": "DEPOSIT", "amount": "1000", "executed_at": AT},
        {"type": "WITHDRAWAL", "amount": "100", "executed_at": AT},
        {"type": "FEE", "amount": "9.99", "executed_at": AT},
        {"type": "FEE", "stock_id": sid, "amount": "2", "executed_at": AT},
    ]
    for body in bodies:
        created = await record_ok(client, pid, body)
        assert created["type"] == body["type"]
        assert created["currency"] == "USD"
        if body["type"] == "SELL":
            assert (created["quantity"], created["price"], created["amount"]) == ("2", "0", "0")
        else:
            assert created["quantity"] is None
            assert created["price"] is None
            assert created["amount"] == body["amount"]
        assert created["stock_id"] == body.get("stock_id")
        assert created["symbol"] == ("AAPL" if "stock_id" in body else None)
    assert len(await list_all(client, pid)) == 1 + len(bodies)


def _invalid_bodies(sid: str) -> list[tuple[str, dict[str, Any], str]]:
    """(case, body, field named in the problem)."""
    buy_ = trade("BUY", sid, "1", AT)
    return [
        ("unknown type", {**buy_, "type": "GIFT"}, "type"),
        ("lower-case type", {**buy_, "type": "buy"}, "type"),
        ("buy without stock", {k: v for k, v in buy_.items() if k != "stock_id"}, "stock_id"),
        (
            "sell without stock",
            {"type": "SELL", "quantity": "1", "price": "1", "executed_at": AT},
            "stock_id",
        ),
        ("buy without quantity", {k: v for k, v in buy_.items() if k != "quantity"}, "quantity"),
        ("buy without price", {k: v for k, v in buy_.items() if k != "price"}, "price"),
        ("buy quantity 0", {**buy_, "quantity": "0"}, "quantity"),
        ("buy quantity negative", {**buy_, "quantity": "-1"}, "quantity"),
        ("sell quantity 0", {**trade("SELL", sid, "0", AT)}, "quantity"),
        ("buy price negative", {**buy_, "price": "-0.01"}, "price"),
        ("buy with amount", {**buy_, "amount": "10"}, "amount"),
        ("sell with amount", {**trade("SELL", sid, "1", AT), "amount": "10"}, "amount"),
        ("fee negative", {**buy_, "fee": "-1"}, "fee"),
        ("tax negative", {**buy_, "tax": "-0.01"}, "tax"),
        ("fee null", {**buy_, "fee": None}, "fee"),
        (
            "dividend without stock",
            {"type": "DIVIDEND", "amount": "1", "executed_at": AT},
            "stock_id",
        ),
        (
            "dividend without amount",
            {"type": "DIVIDEND", "stock_id": sid, "executed_at": AT},
            "amount",
        ),
        (
            "dividend amount 0",
            {"type": "DIVIDEND", "stock_id": sid, "amount": "0", "executed_at": AT},
            "amount",
        ),
        (
            "dividend with quantity",
            {
                "type": "DIVIDEND",
                "stock_id": sid,
                "amount": "1",
                "quantity": "1",
                "executed_at": AT,
            },
            "quantity",
        ),
        (
            "interest with stock",
            {"type": "INTEREST", "stock_id": sid, "amount": "1", "executed_at": AT},
            "stock_id",
        ),
        (
            "deposit with stock",
            {"type": "DEPOSIT", "stock_id": sid, "amount": "1", "executed_at": AT},
            "stock_id",
        ),
        (
            "withdrawal with stock",
            {"type": "WITHDRAWAL", "stock_id": sid, "amount": "1", "executed_at": AT},
            "stock_id",
        ),
        ("deposit without amount", {"type": "DEPOSIT", "executed_at": AT}, "amount"),
        ("deposit amount 0", {"type": "DEPOSIT", "amount": "0", "executed_at": AT}, "amount"),
        (
            "withdrawal amount negative",
            {"type": "WITHDRAWAL", "amount": "-5", "executed_at": AT},
            "amount",
        ),
        ("interest amount 0", {"type": "INTEREST", "amount": "0", "executed_at": AT}, "amount"),
        ("fee amount 0", {"type": "FEE", "amount": "0", "executed_at": AT}, "amount"),
        ("fee without amount", {"type": "FEE", "executed_at": AT}, "amount"),
        (
            "deposit with quantity",
            {"type": "DEPOSIT", "amount": "1", "quantity": "1", "executed_at": AT},
            "quantity",
        ),
        (
            "deposit with price",
            {"type": "DEPOSIT", "amount": "1", "price": "1", "executed_at": AT},
            "price",
        ),
        # money that API.md's cash balance would not count must not be taken and ignored
        (
            "deposit with a fee",
            {"type": "DEPOSIT", "amount": "5", "fee": "1", "executed_at": AT},
            "fee",
        ),
        (
            "withdrawal with tax",
            {"type": "WITHDRAWAL", "amount": "5", "tax": "1", "executed_at": AT},
            "tax",
        ),
        (
            "interest with a fee",
            {"type": "INTEREST", "amount": "5", "fee": "1", "executed_at": AT},
            "fee",
        ),
        ("fee with a fee", {"type": "FEE", "amount": "5", "fee": "1", "executed_at": AT}, "fee"),
        ("fee with tax", {"type": "FEE", "amount": "5", "tax": "0.01", "executed_at": AT}, "tax"),
        (
            "dividend with a fee",
            {
                "type": "DIVIDEND",
                "stock_id": sid,
                "amount": "5",
                "fee": "1",
                "executed_at": AT,
            },
            "fee",
        ),
        ("no executed_at", {k: v for k, v in buy_.items() if k != "executed_at"}, "executed_at"),
        ("executed_at not a timestamp", {**buy_, "executed_at": "yesterday"}, "executed_at"),
        (
            "executed_at in the future",
            {**buy_, "executed_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
            "executed_at",
        ),
        ("executed_at before 1900", {**buy_, "executed_at": "1899-12-31T00:00:00Z"}, "executed_at"),
        # in UTC, before the calendar's first day and after its last
        (
            "executed_at year 1, east",
            {**buy_, "executed_at": "0001-01-01T00:00+01:00"},
            "executed_at",
        ),
        (
            "executed_at year 9999, west",
            {**buy_, "executed_at": "9999-12-31T23:00-05:00"},
            "executed_at",
        ),
        ("stock_id not a uuid", {**buy_, "stock_id": "AAPL"}, "stock_id"),
        ("unknown stock", {**buy_, "stock_id": "00000000-0000-4000-8000-000000000000"}, "stock_id"),
        ("quantity not a number", {**buy_, "quantity": "ten"}, "quantity"),
        ("quantity NaN", {**buy_, "quantity": "NaN"}, "quantity"),
        ("quantity Infinity", {**buy_, "quantity": "Infinity"}, "quantity"),
        ("price with 13 decimals", {**buy_, "price": "0.0000000000001"}, "price"),
        ("quantity with 31 digits", {**buy_, "quantity": "1" * 31}, "quantity"),
        ("unknown field", {**buy_, "qty": "1"}, "qty"),
        ("unknown field symbol", {**buy_, "symbol": "AAPL"}, "symbol"),
        ("read-only field id", {**buy_, "id": "00000000-0000-4000-8000-000000000000"}, "id"),
        ("notes too long", {**buy_, "notes": "x" * 1001}, "notes"),
        ("external_id too long", {**buy_, "external_id": "x" * 101}, "external_id"),
    ]


async def test_every_invalid_body_is_422_naming_the_field_and_records_nothing(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    wrong: list[str] = []
    for case, body, field in _invalid_bodies(stock["id"]):
        response = await record(client, portfolio["id"], body)
        problem = response.json() if response.status_code < 500 else {}
        named = {error.get("field") for error in problem.get("errors", [])}
        if (
            response.status_code != 422
            or problem.get("code") != "VALIDATION_ERROR"
            or field not in named
            or response.headers.get("content-type") != "application/problem+json"
        ):
            wrong.append(f"{case}: {response.status_code} {response.text[:300]}")
    assert not wrong, "\n".join(wrong)
    assert await list_all(client, portfolio["id"], include_voided="true") == []


async def test_a_json_array_or_a_non_json_body_is_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    url = transactions_url(portfolio["id"])
    assert_problem(await post_raw(client, url, "[]"), 422, "VALIDATION_ERROR")
    assert_problem(await post_raw(client, url, "{not json"), 422, "VALIDATION_ERROR")
    as_text = await client.post(url, content=b"type=BUY", headers={"content-type": "text/plain"})
    assert_problem(as_text, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_amount_is_quantity_times_price_exactly(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    cases = [
        ("3", "0.1", "0.3"),
        ("0.1", "3", "0.3"),
        ("1", "123456789012.12345678", "123456789012.12345678"),
        ("123456789012.123456789012", "1", "123456789012.123456789012"),
        ("0.000000000001", "0.000000000001", "0.000000000000000000000001"),
        ("999999999999999999.999999999999", "999999999999999999.999999999999", None),
        ("1.50", "2", "3.00"),
    ]
    for quantity, price, amount in cases:
        created = await buy(client, portfolio["id"], stock["id"], quantity, AT, price=price)
        assert created["quantity"] == quantity
        assert created["price"] == price
        if amount is None:  # the exact product of the two largest inputs
            with localcontext() as exact:
                exact.prec = 100
                amount = f"{Decimal(quantity) * Decimal(price):f}"
        assert created["amount"] == amount, (quantity, price)
        fetched = (await client.get(f"{TRANSACTIONS}/{created['id']}")).json()
        assert (fetched["quantity"], fetched["price"], fetched["amount"]) == (
            quantity,
            price,
            amount,
        )


async def test_json_numbers_are_read_from_their_text_and_answered_as_strings(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    url = transactions_url(portfolio["id"])
    response = await post_raw(
        client,
        url,
        '{{"type": "BUY", "stock_id": "{}", "quantity": 3, "price": 0.1, "fee": 0.30,'
        ' "tax": 0, "executed_at": "{}"}}'.format(stock["id"], AT),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["quantity"], body["price"], body["amount"]) == ("3", "0.1", "0.3")
    assert (body["fee"], body["tax"]) == ("0.30", "0")

    big = await post_raw(
        client,
        url,
        '{{"type": "BUY", "stock_id": "{}", "quantity": 1, "price": 123456789012.12345678,'
        ' "executed_at": "{}"}}'.format(stock["id"], AT),
    )
    assert big.status_code == 201, big.text
    assert big.json()["price"] == "123456789012.12345678"
    assert big.json()["amount"] == "123456789012.12345678"

    deposit = await post_raw(
        client, url, f'{{"type": "DEPOSIT", "amount": 0.1, "executed_at": "{AT}"}}'
    )
    assert deposit.status_code == 201, deposit.text
    assert deposit.json()["amount"] == "0.1"

    # a number too precise for a float is not rounded through one
    precise = await post_raw(
        client, url, f'{{"type": "DEPOSIT", "amount": 0.300000000001, "executed_at": "{AT}"}}'
    )
    assert precise.status_code == 201, precise.text
    assert precise.json()["amount"] == "0.300000000001"


async def test_decimals_are_answered_in_plain_notation_on_every_database(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    created = await buy(client, portfolio["id"], stock["id"], "1E+2", AT, price="0.000000000005")
    fetched = (await client.get(f"{TRANSACTIONS}/{created['id']}")).json()
    for body in (created, fetched):
        assert body["quantity"] == "100", body
        assert "E" not in body["price"].upper(), body
        assert "E" not in body["amount"].upper(), body
    assert fetched["price"] == "0.000000000005"
    assert fetched["amount"] == created["amount"]


async def test_a_negative_zero_is_zero_on_every_database(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = {"type": "BUY", "stock_id": stock["id"], "quantity": "1", "price": "2"}
    created = await record_ok(client, portfolio["id"], {**body, "executed_at": AT, "fee": "-0"})
    as_number = await post_raw(
        client,
        transactions_url(portfolio["id"]),
        json.dumps({**body, "executed_at": AT, "tax": -0.0}),
    )
    assert as_number.status_code == 201, as_number.text
    for answered, zeros in ((created, ("0", "0")), (as_number.json(), ("0", "0.0"))):
        fetched = (await client.get(f"{TRANSACTIONS}/{answered['id']}")).json()
        assert (answered["fee"], answered["tax"]) == (fetched["fee"], fetched["tax"]) == zeros


async def test_executed_at_is_stored_and_answered_in_utc(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    with_offset = await record_ok(
        client,
        portfolio["id"],
        {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-15T12:30:00+02:00"},
    )
    assert with_offset["executed_at"] == "2025-01-15T10:30:00Z"
    naive = await record_ok(
        client,
        portfolio["id"],
        {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-15T10:30:00"},
    )
    assert naive["executed_at"] == "2025-01-15T10:30:00Z"
    precise = await record_ok(
        client,
        portfolio["id"],
        {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-15T10:30:00.123456Z"},
    )
    fetched = (await client.get(f"{TRANSACTIONS}/{precise['id']}")).json()
    assert fetched["executed_at"] == "2025-01-15T10:30:00.123456Z"


@pytest.mark.parametrize(
    "executed_at",
    [20250107, "20250107", 0, "1735000000000", 1735000000.5, "2025-W02-2T10:00", True],
)
async def test_executed_at_is_iso_8601_text_never_a_unix_time(
    client: httpx.AsyncClient, portfolio: dict[str, Any], executed_at: object
) -> None:
    """A typo such as 20250107 must not record money on 1970-08-23."""
    response = await record(
        client, portfolio["id"], {"type": "DEPOSIT", "amount": "1", "executed_at": executed_at}
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert [error["field"] for error in body["errors"]] == ["executed_at"]
    assert await list_all(client, portfolio["id"]) == []


async def test_a_delisted_stock_cannot_be_bought_but_can_still_be_sold(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    await buy(client, portfolio["id"], stock["id"], "10", "2025-01-02T00:00:00Z")
    await delist(client, stock["id"])
    refused = await record(client, portfolio["id"], trade("BUY", stock["id"], "1", AT))
    body = assert_problem(refused, 409, "STOCK_DELISTED")
    assert "AAPL" in body["detail"]
    sold = await record(client, portfolio["id"], trade("SELL", stock["id"], "10", AT))
    assert sold.status_code == 201, sold.text
    dividend = await record(
        client,
        portfolio["id"],
        {"type": "DIVIDEND", "stock_id": stock["id"], "amount": "1", "executed_at": AT},
    )
    assert dividend.status_code == 201, dividend.text
    assert len(await list_all(client, portfolio["id"])) == 3


async def test_a_stock_in_another_currency_is_currency_mismatch(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    euro_stock = await create_stock(client, "SAP", currency="EUR")
    for body in (
        trade("BUY", euro_stock["id"], "1", AT),
        {"type": "DIVIDEND", "stock_id": euro_stock["id"], "amount": "1", "executed_at": AT},
        {"type": "FEE", "stock_id": euro_stock["id"], "amount": "1", "executed_at": AT},
    ):
        problem = assert_problem(
            await record(client, portfolio["id"], body), 422, "CURRENCY_MISMATCH"
        )
        assert "EUR" in problem["detail"]
        assert "USD" in problem["detail"]

    euro_portfolio = await create_portfolio(client, "Euro", currency="eur")
    assert euro_portfolio["currency"] == "EUR"
    assert_problem(
        await record(client, euro_portfolio["id"], trade("BUY", stock["id"], "1", AT)),
        422,
        "CURRENCY_MISMATCH",
    )
    bought = await buy(client, euro_portfolio["id"], euro_stock["id"], "1", AT)
    assert bought["currency"] == "EUR"
    cash = await record_ok(
        client, euro_portfolio["id"], {"type": "DEPOSIT", "amount": "5", "executed_at": AT}
    )
    assert cash["currency"] == "EUR"
    assert await list_all(client, portfolio["id"]) == []


async def test_external_id_is_unique_among_the_portfolios_live_transactions(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    deposit = {"type": "DEPOSIT", "amount": "1", "executed_at": AT, "external_id": "X-1"}
    first = await record_ok(client, portfolio["id"], deposit)
    again = await record(client, portfolio["id"], deposit)
    assert_problem(again, 422, "VALIDATION_ERROR", "external_id")
    other = await create_portfolio(client, "Other")
    await record_ok(client, other["id"], deposit)  # unique per portfolio only
    assert (await client.delete(f"{TRANSACTIONS}/{first['id']}")).status_code == 204
    await record_ok(client, portfolio["id"], deposit)  # a voided one frees its external_id


@pytest.mark.parametrize("skew", [timedelta(seconds=-5), timedelta(seconds=30)])
async def test_executed_at_up_to_now_is_accepted(
    client: httpx.AsyncClient, portfolio: dict[str, Any], skew: timedelta
) -> None:
    at = (datetime.now(UTC) + skew).isoformat()
    await record_ok(client, portfolio["id"], {"type": "DEPOSIT", "amount": "1", "executed_at": at})


async def test_an_unknown_or_malformed_portfolio_is_404(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    for pid in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        response = await record(client, pid, trade("BUY", stock["id"], "1", AT))
        assert_problem(response, 404, "NOT_FOUND")
