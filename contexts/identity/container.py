"""Dependency-injection container of the identity context."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.identity.api.router import build_identity_router
from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from contexts.identity.application.principals import CredentialResolver
from contexts.identity.contracts import IDENTITY_EVENTS
from contexts.identity.infrastructure.access_tokens import JwtAccessTokens
from contexts.identity.infrastructure.passwords import Argon2PasswordHasher
from contexts.identity.infrastructure.repositories import SqlIdentityReader
from contexts.identity.infrastructure.tables import outbox as outbox_table
from contexts.identity.infrastructure.unit_of_work import (
    SqlIdentityUnitOfWork,
)
from shared_kernel.application.clock import SystemClock
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.web.auth import WebAuth


class IdentityContainer(containers.DeclarativeContainer):
    engine = providers.Dependency(instance_of=AsyncEngine)
    clock = providers.Dependency(instance_of=SystemClock)
    codec = providers.Dependency(instance_of=EventCodec)
    relay = providers.Dependency(instance_of=OutboxRelay)
    secret_key = providers.Dependency(instance_of=str)
    access_token_minutes = providers.Dependency(instance_of=int)
    registration_open = providers.Dependency(instance_of=bool)

    events = providers.Object(IDENTITY_EVENTS)
    outbox = providers.Singleton(Outbox, table=providers.Object(outbox_table), codec=codec)
    unit_of_work = providers.Factory(
        SqlIdentityUnitOfWork, engine=engine, outbox=outbox, relay=relay, clock=clock
    )
    reader = providers.Singleton(SqlIdentityReader, engine=engine)
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    access_tokens = providers.Singleton(
        JwtAccessTokens,
        secret_key=secret_key,
        lifetime=providers.Factory(timedelta, minutes=access_token_minutes),
    )

    accounts = providers.Singleton(
        AccountService,
        uow_factory=unit_of_work.provider,
        reader=reader,
        hasher=password_hasher,
        tokens=access_tokens,
        clock=clock,
        registration_open=registration_open,
    )
    api_keys = providers.Singleton(
        ApiKeyService, uow_factory=unit_of_work.provider, reader=reader, clock=clock
    )
    principal_resolver = providers.Singleton(
        CredentialResolver,
        tokens=access_tokens,
        reader=reader,
        uow_factory=unit_of_work.provider,
        clock=clock,
    )
    web_auth = providers.Singleton(WebAuth, resolver=principal_resolver)

    router = providers.Singleton(
        build_identity_router, accounts=accounts, api_keys=api_keys, auth=web_auth
    )
