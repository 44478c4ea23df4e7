"""Authentication for every /api/v1 route: the Principal dependency.

Credentials are ``Authorization: Bearer <token>``, where the token is a JWT
access token or an API key; the identity context resolves them through the
``PrincipalResolver`` port. Routers declare ``Depends(auth.principal)`` (any
authenticated caller) or ``Depends(auth.writer)`` (needs the write scope).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from shared_kernel.application.principal import Principal, PrincipalResolver
from shared_kernel.domain.errors import Forbidden, Unauthenticated

TOKEN_URL = "/api/v1/auth/token"
MAX_CREDENTIAL_LENGTH = 4096


class InsufficientScope(Forbidden):
    code = "INSUFFICIENT_SCOPE"
    title = "Insufficient scope"

    def __init__(self) -> None:
        super().__init__("This credential may only read; writing needs a write-scoped key.")


bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    description="A JWT access token from /api/v1/auth/token, or an API key.",
)


class WebAuth:
    """The two dependencies routers use, bound to one resolver."""

    principal: Callable[..., Awaitable[Principal]]
    writer: Callable[..., Awaitable[Principal]]

    def __init__(self, resolver: PrincipalResolver) -> None:
        async def principal(credential: Annotated[str | None, Depends(bearer)]) -> Principal:
            if not credential:
                raise Unauthenticated("Send Authorization: Bearer <access token or API key>.")
            resolved = None
            if len(credential) <= MAX_CREDENTIAL_LENGTH:
                resolved = await resolver.resolve(credential)
            if resolved is None:
                raise Unauthenticated("The credential is invalid, expired or revoked.")
            return resolved

        async def writer(caller: Annotated[Principal, Depends(principal)]) -> Principal:
            if not caller.can_write:
                raise InsufficientScope()
            return caller

        self.principal = principal
        self.writer = writer
