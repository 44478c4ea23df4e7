"""HTTP API of the identity context (API.md "Identity").

No ``from __future__ import annotations`` here: FastAPI must evaluate the
local ``Caller``/``Writer`` dependency aliases when the routes are declared.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response

from contexts.identity.api.schemas import (
    ApiKeyIn,
    ApiKeyOut,
    CreatedApiKeyOut,
    RegisterIn,
    TokenOut,
    UserOut,
)
from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from shared_kernel.application.pagination import PageRequest
from shared_kernel.application.principal import Principal
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.pagination import ListPage, page_request
from shared_kernel.web.problems import encoding_problem, media_type_of, problem_responses
from shared_kernel.web.routing import StockbookRoute
from shared_kernel.web.schemas import NoNulText

API_PREFIX = "/api/v1"
_FORM_MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


async def _a_form(request: Request) -> None:
    """Refuse a body of another type than a form (415), as every endpoint refuses a
    body of the wrong type; without this, JSON would only be missing its fields
    (422). Nothing sent at all is an empty form: its fields are missing (422)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and media_type_of(content_type) not in _FORM_MEDIA_TYPES:
        raise HTTPException(
            415, "Send the form as application/x-www-form-urlencoded or multipart/form-data."
        )
    if problem := encoding_problem(request.headers):
        raise HTTPException(415, problem)


def build_identity_router(
    accounts: AccountService, api_keys: ApiKeyService, auth: WebAuth
) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["identity"], route_class=StockbookRoute)
    Caller = Annotated[Principal, Depends(auth.principal)]
    Writer = Annotated[Principal, Depends(auth.writer)]

    @router.post(
        "/auth/register",
        status_code=201,
        summary="Register a user",
        responses=problem_responses(403, 409, 415, 422),
    )
    async def register(body: RegisterIn, response: Response) -> UserOut:
        user = await accounts.register(body.email, body.password)
        response.headers["Location"] = f"{API_PREFIX}/auth/me"
        return UserOut.model_validate(user)

    @router.post(
        "/auth/token",
        summary="Log in (OAuth2 password flow): an access token",
        responses=problem_responses(401, 415, 422, 429),
        dependencies=[Depends(_a_form)],
    )
    async def issue_token(
        username: Annotated[
            NoNulText, Form(min_length=1, max_length=254, description="Your email.")
        ],
        password: Annotated[str, Form(min_length=1, max_length=1024)],
        grant_type: Annotated[
            str, Form(pattern="^password$", description="`password`, if sent.")
        ] = "password",
    ) -> TokenOut:
        token = await accounts.log_in(username, password)
        return TokenOut(access_token=token.token, expires_in=token.expires_in)

    @router.get("/auth/me", summary="Who am I", responses=problem_responses(401))
    async def me(caller: Caller) -> UserOut:
        return UserOut.model_validate(await accounts.user(caller.user_id))

    @router.post(
        "/auth/api-keys",
        status_code=201,
        summary="Create an API key (the key is shown only once)",
        responses=problem_responses(401, 403, 415, 422),
    )
    async def create_api_key(
        body: ApiKeyIn, caller: Writer, response: Response
    ) -> CreatedApiKeyOut:
        created = await api_keys.create(caller.user_id, body.name, body.scope)
        response.headers["Location"] = f"{API_PREFIX}/auth/api-keys"
        key = created.key
        return CreatedApiKeyOut(
            id=key.id,
            name=key.name,
            scope=key.scope.value,
            key=created.plaintext,
            created_at=key.created_at,
        )

    @router.get(
        "/auth/api-keys",
        summary="Your API keys (never their secrets), oldest first",
        responses=problem_responses(401, 422),
    )
    async def list_api_keys(
        caller: Caller, page: Annotated[PageRequest, Depends(page_request)]
    ) -> ListPage[ApiKeyOut]:
        keys = await api_keys.list_keys(caller.user_id, page)
        return ListPage[ApiKeyOut].of(keys)

    @router.delete(
        "/auth/api-keys/{key_id}",
        status_code=204,
        summary="Revoke an API key (it stops working at once)",
        responses=problem_responses(401, 403, 404),
    )
    async def revoke_api_key(key_id: UUID, caller: Writer) -> Response:
        await api_keys.revoke(caller.user_id, key_id)
        return Response(status_code=204)

    return router
