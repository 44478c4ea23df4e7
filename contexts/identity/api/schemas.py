"""Request and response bodies of the identity API (API.md "Identity")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_kernel.web.schemas import RequestBody, ResponseBody, TextInput


class RegisterIn(RequestBody):
    email: TextInput = Field(examples=["ada@example.com"])
    password: TextInput = Field(description="12 to 128 characters.")


class UserOut(ResponseBody):
    id: UUID
    email: str
    created_at: datetime


class TokenOut(ResponseBody):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class ApiKeyIn(RequestBody):
    name: TextInput = Field(examples=["price importer"])
    scope: Literal["read", "write"]


class ApiKeyOut(ResponseBody):
    id: UUID
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None


class CreatedApiKeyOut(ResponseBody):
    id: UUID
    name: str
    scope: str
    key: str = Field(description="The key itself: shown only in this response.")
    created_at: datetime
