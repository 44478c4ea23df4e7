"""SQL repositories and reader of the identity context."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, delete, func, insert, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.identity.domain.api_key import ApiKey, Scope
from contexts.identity.domain.errors import EmailTaken
from contexts.identity.domain.user import User
from contexts.identity.infrastructure.tables import api_keys, login_failures, users
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.keyset import KeysetOrder


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
    )


def _api_key(row: RowMapping) -> ApiKey:
    return ApiKey(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        scope=Scope(row["scope"]),
        lookup_id=row["lookup_id"],
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, user: User) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    insert(users).values(
                        id=user.id,
                        email=user.email,
                        password_hash=user.password_hash,
                        created_at=user.created_at,
                        version=1,
                    )
                )
        except IntegrityError:
            raise EmailTaken() from None


class SqlApiKeyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, key: ApiKey) -> None:
        await self._connection.execute(
            insert(api_keys).values(
                id=key.id,
                user_id=key.user_id,
                name=key.name,
                scope=key.scope.value,
                lookup_id=key.lookup_id,
                secret_hash=key.secret_hash,
                created_at=key.created_at,
                version=1,
            )
        )

    async def revoke(self, key_id: UUID, user_id: UUID, now: datetime) -> bool:
        result = await self._connection.execute(
            update(api_keys)
            .where(
                api_keys.c.id == key_id,
                api_keys.c.user_id == user_id,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=now, version=api_keys.c.version + 1)
        )
        return result.rowcount == 1

    async def touch(self, key_id: UUID, now: datetime) -> None:
        await self._connection.execute(
            update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now)
        )


class SqlLoginFailureLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def lock(self, email: str) -> None:
        if self._connection.dialect.name != "postgresql":
            return  # SQLite: a write transaction (BEGIN IMMEDIATE) excludes every other writer
        digest = hashlib.sha256(email.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await self._connection.execute(select(func.pg_advisory_xact_lock(literal(key, BigInteger))))

    async def record(self, email: str, at: datetime) -> None:
        await self._connection.execute(insert(login_failures).values(email=email, failed_at=at))

    async def since(self, email: str, since: datetime) -> list[datetime]:
        rows = await self._connection.execute(
            select(login_failures.c.failed_at)
            .where(login_failures.c.email == email, login_failures.c.failed_at > since)
            .order_by(login_failures.c.failed_at)
        )
        return list(rows.scalars())

    async def clear(self, email: str) -> None:
        await self._connection.execute(
            delete(login_failures).where(login_failures.c.email == email)
        )

    async def forget_before(self, before: datetime) -> None:
        await self._connection.execute(
            delete(login_failures).where(login_failures.c.failed_at < before)
        )


_OLDEST_FIRST = KeysetOrder(api_keys.c.created_at, api_keys.c.id)


class SqlIdentityReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def user(self, user_id: UUID) -> User | None:
        async with self._engine.connect() as connection:
            row = (
                (await connection.execute(select(users).where(users.c.id == user_id)))
                .mappings()
                .first()
            )
        return _user(row) if row else None

    async def user_by_email(self, email: str) -> User | None:
        async with self._engine.connect() as connection:
            row = (
                (await connection.execute(select(users).where(users.c.email == email)))
                .mappings()
                .first()
            )
        return _user(row) if row else None

    async def api_key_by_lookup_id(self, lookup_id: str) -> ApiKey | None:
        async with self._engine.connect() as connection:
            row = (
                (
                    await connection.execute(
                        select(api_keys).where(api_keys.c.lookup_id == lookup_id)
                    )
                )
                .mappings()
                .first()
            )
        return _api_key(row) if row else None

    async def active_api_keys(self, user_id: UUID, page: PageRequest) -> Page[ApiKey]:
        query = select(api_keys).where(
            api_keys.c.user_id == user_id, api_keys.c.revoked_at.is_(None)
        )
        if page.after is not None:
            query = query.where(_OLDEST_FIRST.after(page.after))
        query = query.order_by(*_OLDEST_FIRST.order_by()).limit(page.limit + 1)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        keys = [_api_key(row) for row in rows[: page.limit]]
        next_keyset = None
        if len(rows) > page.limit:
            next_keyset = _OLDEST_FIRST.keyset(keys[-1].created_at, keys[-1].id)
        return Page(items=keys, next_keyset=next_keyset)
