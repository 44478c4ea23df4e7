"""GET /auth/api-keys follows the list conventions: limit, cursor, next_cursor."""

from __future__ import annotations

import httpx


async def test_api_keys_are_listed_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    created = [
        (
            await client.post("/api/v1/auth/api-keys", json={"name": f"k{i}", "scope": "read"})
        ).json()["id"]
        for i in range(3)
    ]
    first = (await client.get("/api/v1/auth/api-keys", params={"limit": 2})).json()
    assert [key["id"] for key in first["items"]] == created[:2]
    assert first["next_cursor"]
    rest = (
        await client.get(
            "/api/v1/auth/api-keys", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [key["id"] for key in rest["items"]] == created[2:]
    assert rest["next_cursor"] is None
    bad = await client.get("/api/v1/auth/api-keys", params={"limit": 0})
    assert bad.status_code == 422
