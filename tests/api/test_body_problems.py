"""A body that is not JSON, or not valid JSON, is refused after authentication."""

from __future__ import annotations

import gzip

import httpx


async def test_an_authenticated_body_that_is_not_valid_json_is_422_on_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/stocks",
        content=b'{"symbol": "AAPL",',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "VALIDATION_ERROR"
    assert problem["errors"][0]["field"] == "body"
    assert problem["errors"][0]["message"].startswith("is not valid JSON")


async def test_a_name_repeated_in_an_object_is_422_not_the_last_one_wins(
    client: httpx.AsyncClient,
) -> None:
    portfolio = await client.post("/api/v1/portfolios", json={"name": "Main"})
    url = f"/api/v1/portfolios/{portfolio.json()['id']}/transactions"
    body = (
        b'{"type": "DEPOSIT", "amount": "5", "executed_at": "2025-01-02",'
        b' "notes": {"a": 1, "b": 2}, "amount": "6"}'
    )
    response = await client.post(url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body"
    assert error["message"] == (
        "is not valid JSON (the name 'amount' appears more than once in an object)"
    )
    assert (await client.get(url)).json()["items"] == []


async def test_nan_in_a_body_is_422_not_a_number(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/stocks", content=b'{"symbol": NaN}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "NaN" in response.json()["errors"][0]["message"]


async def test_an_anonymous_malformed_body_is_401_before_anything_else(
    anonymous_client: httpx.AsyncClient,
) -> None:
    for headers in ({"content-type": "text/plain"}, {"content-type": "application/json"}):
        response = await anonymous_client.post("/api/v1/stocks", content=b"{", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


async def test_an_authenticated_body_under_another_content_type_is_415(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/stocks",
        content=b'{"symbol": "A", "name": "A"}',
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_body_with_a_content_encoding_is_415_whatever_it_holds(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    """RFC 9110: an encoding the server does not read is an unsupported media type."""
    portfolio = (await client.post("/api/v1/portfolios", json={"name": "Main"})).json()
    deposit = b'{"type": "DEPOSIT", "amount": "5", "executed_at": "2025-01-02"}'
    csv_file = b"executed_at,type,amount\n2025-01-02,DEPOSIT,5\n"
    form = b"username=ada%40example.com&password=correct+horse+battery+staple"
    requests = [
        (f"/api/v1/portfolios/{portfolio['id']}/transactions", "application/json", deposit),
        (f"/api/v1/portfolios/{portfolio['id']}/transactions/import", "text/csv", csv_file),
        ("/api/v1/auth/token", "application/x-www-form-urlencoded", form),
    ]
    for url, content_type, body in requests:
        for encoding, content in (("gzip", gzip.compress(body)), ("br", body)):
            headers = {"content-type": content_type, "content-encoding": encoding}
            response = await client.post(url, content=content, headers=headers)
            assert response.status_code == 415, (url, encoding, response.text)
            problem = response.json()
            assert problem["code"] == "UNSUPPORTED_MEDIA_TYPE"
            assert f"({encoding} is not read here)" in problem["detail"]
    identity = {"content-type": "application/json", "content-encoding": "identity"}
    url = f"/api/v1/portfolios/{portfolio['id']}/transactions"
    assert (await client.post(url, content=deposit, headers=identity)).status_code == 201
    assert len((await client.get(url)).json()["items"]) == 1
    anonymous = await anonymous_client.post(
        url, content=gzip.compress(deposit), headers={**identity, "content-encoding": "gzip"}
    )
    assert anonymous.status_code == 401  # who asks comes first, as for any body problem
