"""The identity context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.identity.infrastructure.repositories import (
    SqlApiKeyRepository,
    SqlLoginFailureLog,
    SqlUserRepository,
)
from contexts.identity.infrastructure.tables import inbox, outbox
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


def identity_outbox(codec: EventCodec) -> Outbox:
    return Outbox(outbox, codec)


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    users: SqlUserRepository
    api_keys: SqlApiKeyRepository
    login_failures: SqlLoginFailureLog

    def _bind(self, connection: AsyncConnection) -> None:
        self.users = SqlUserRepository(connection)
        self.api_keys = SqlApiKeyRepository(connection)
        self.login_failures = SqlLoginFailureLog(connection)
