"""The identity context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.identity.infrastructure.repositories import (
    SqlApiKeyRepository,
    SqlLoginFailureLog,
    SqlUserRepository,
)
from contexts.identity.infrastructure.tables import inbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    users: SqlUserRepository
    api_keys: SqlApiKeyRepository
    login_failures: SqlLoginFailureLog

    def _bind(self, connection: AsyncConnection) -> None:
        self.users = SqlUserRepository(connection)
        self.api_keys = SqlApiKeyRepository(connection)
        self.login_failures = SqlLoginFailureLog(connection)
