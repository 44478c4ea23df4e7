"""API keys: format, hashing, lookup, revocation, and resolving them to a principal."""

from __future__ import annotations

import hashlib
from uuid import uuid4

import pytest

from contexts.identity.application.api_keys import (
    KEY_PREFIX,
    ApiKeyService,
    hash_secret,
    secret_matches,
    split_key,
)
from contexts.identity.application.principals import LAST_USED_PRECISION, CredentialResolver
from contexts.identity.domain.api_key import Scope
from contexts.identity.domain.errors import ApiKeyNotFound
from contexts.identity.infrastructure.access_tokens import JwtAccessTokens
from shared_kernel.application.pagination import PageRequest
from shared_kernel.application.principal import READ, WRITE
from shared_kernel.domain.errors import InvalidInput
from tests.unit.identity.conftest import LIFETIME, SECRET
from tests.unit.identity.fakes import FixedClock, IdentityStore

OWNER = uuid4()
STRANGER = uuid4()


async def test_a_created_key_is_shown_once_and_stored_only_as_a_hash(
    api_keys: ApiKeyService, store: IdentityStore, clock: FixedClock
) -> None:
    created = await api_keys.create(OWNER, "  price importer ", "write")
    assert created.plaintext.startswith(KEY_PREFIX)
    parts = split_key(created.plaintext)
    assert parts is not None
    lookup, secret = parts
    assert len(secret) >= 43  # 256 random bits, base64url

    (stored,) = store.api_keys.values()
    assert stored == created.key
    assert stored.user_id == OWNER
    assert stored.name == "price importer"
    assert stored.scope is Scope.WRITE
    assert stored.lookup_id == lookup
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(stored)
    assert created.plaintext not in repr(stored)
    assert stored.created_at == clock.now()
    assert stored.last_used_at is None
    assert stored.active


async def test_every_key_is_different(api_keys: ApiKeyService) -> None:
    created = [await api_keys.create(OWNER, f"key {i}", "read") for i in range(20)]
    assert len({c.plaintext for c in created}) == 20
    assert len({c.key.lookup_id for c in created}) == 20
    assert len({c.key.secret_hash for c in created}) == 20


@pytest.mark.parametrize("scope", ["admin", "", "READ", "readwrite"])
async def test_an_unknown_scope_is_refused(api_keys: ApiKeyService, scope: str) -> None:
    with pytest.raises(InvalidInput) as error:
        await api_keys.create(OWNER, "k", scope)
    assert [e.field for e in error.value.errors] == ["scope"]


@pytest.mark.parametrize("name", ["", "   ", "n" * 101])
async def test_a_key_needs_a_name_of_1_to_100_characters(
    api_keys: ApiKeyService, store: IdentityStore, name: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        await api_keys.create(OWNER, name, "read")
    assert [e.field for e in error.value.errors] == ["name"]
    assert store.api_keys == {}


def test_hash_secret_is_sha256_hex_and_matching_is_exact() -> None:
    assert hash_secret("abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(hash_secret("abc")) == 64


@pytest.mark.parametrize(
    ("credential", "parts"),
    [
        ("sbk_0123abcd_s3cr-et", ("0123abcd", "s3cr-et")),
        ("sbk_0123abcd_with_underscore", ("0123abcd", "with_underscore")),
        ("sbk_", None),
        ("sbk_lookuponly", None),
        ("sbk__secret", None),
        ("sbk_lookup_", None),
        ("SBK_lookup_secret", None),
        ("eyJhbGciOiJIUzI1NiJ9.e30.sig", None),
        ("", None),
    ],
)
def test_split_key(credential: str, parts: tuple[str, str] | None) -> None:
    assert split_key(credential) == parts


async def test_list_shows_the_callers_active_keys_oldest_first(
    api_keys: ApiKeyService, clock: FixedClock
) -> None:
    first = await api_keys.create(OWNER, "first", "read")
    clock.advance(seconds=1)
    second = await api_keys.create(OWNER, "second", "write")
    clock.advance(seconds=1)
    revoked = await api_keys.create(OWNER, "revoked", "write")
    await api_keys.create(STRANGER, "not yours", "write")
    await api_keys.revoke(OWNER, revoked.key.id)

    listed = await api_keys.list_keys(OWNER, PageRequest())
    assert [k.id for k in listed.items] == [first.key.id, second.key.id]
    assert listed.next_keyset is None


async def test_the_list_pages_with_a_keyset(api_keys: ApiKeyService, clock: FixedClock) -> None:
    created = []
    for name in ("a", "b", "c"):
        created.append((await api_keys.create(OWNER, name, "read")).key.id)
        clock.advance(seconds=1)
    first = await api_keys.list_keys(OWNER, PageRequest(limit=2))
    assert [k.id for k in first.items] == created[:2]
    assert first.next_keyset is not None
    rest = await api_keys.list_keys(OWNER, PageRequest(limit=2, after=first.next_keyset))
    assert [k.id for k in rest.items] == created[2:]
    assert rest.next_keyset is None


async def test_revoking_sets_revoked_at(
    api_keys: ApiKeyService, store: IdentityStore, clock: FixedClock
) -> None:
    created = await api_keys.create(OWNER, "k", "read")
    clock.advance(minutes=5)
    await api_keys.revoke(OWNER, created.key.id)
    assert store.api_keys[created.key.id].revoked_at == clock.now()
    assert not store.api_keys[created.key.id].active


async def test_revoking_twice_or_an_unknown_key_is_not_found(api_keys: ApiKeyService) -> None:
    created = await api_keys.create(OWNER, "k", "read")
    await api_keys.revoke(OWNER, created.key.id)
    with pytest.raises(ApiKeyNotFound):
        await api_keys.revoke(OWNER, created.key.id)
    with pytest.raises(ApiKeyNotFound):
        await api_keys.revoke(OWNER, uuid4())


async def test_nobody_revokes_another_users_key(
    api_keys: ApiKeyService, store: IdentityStore
) -> None:
    created = await api_keys.create(OWNER, "k", "read")
    with pytest.raises(ApiKeyNotFound):
        await api_keys.revoke(STRANGER, created.key.id)
    assert store.api_keys[created.key.id].active


# --- resolving credentials ---------------------------------------------------


async def test_a_write_key_resolves_to_its_owner_with_read_and_write(
    api_keys: ApiKeyService, resolver: CredentialResolver
) -> None:
    created = await api_keys.create(OWNER, "k", "write")
    principal = await resolver.resolve(created.plaintext)
    assert principal is not None
    assert principal.user_id == OWNER
    assert principal.scopes == {READ, WRITE}
    assert principal.can_write


async def test_a_read_key_resolves_to_read_only(
    api_keys: ApiKeyService, resolver: CredentialResolver
) -> None:
    created = await api_keys.create(OWNER, "k", "read")
    principal = await resolver.resolve(created.plaintext)
    assert principal is not None
    assert principal.scopes == {READ}
    assert not principal.can_write


async def test_a_revoked_key_resolves_to_nobody_at_once(
    api_keys: ApiKeyService, resolver: CredentialResolver
) -> None:
    created = await api_keys.create(OWNER, "k", "write")
    assert await resolver.resolve(created.plaintext) is not None
    await api_keys.revoke(OWNER, created.key.id)
    assert await resolver.resolve(created.plaintext) is None


async def test_a_key_with_a_wrong_secret_or_lookup_resolves_to_nobody(
    api_keys: ApiKeyService, resolver: CredentialResolver
) -> None:
    created = await api_keys.create(OWNER, "k", "write")
    parts = split_key(created.plaintext)
    assert parts is not None
    lookup, secret = parts
    flipped = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    assert await resolver.resolve(f"{KEY_PREFIX}{lookup}_{flipped}") is None
    assert await resolver.resolve(f"{KEY_PREFIX}{lookup}_{secret}x") is None
    assert await resolver.resolve(f"{KEY_PREFIX}{lookup}_") is None
    assert await resolver.resolve(f"{KEY_PREFIX}{'0' * len(lookup)}_{secret}") is None
    assert await resolver.resolve(f"{KEY_PREFIX}{lookup}_{hash_secret(secret)}") is None


async def test_secret_matches_compares_the_hash(api_keys: ApiKeyService) -> None:
    created = await api_keys.create(OWNER, "k", "write")
    parts = split_key(created.plaintext)
    assert parts is not None
    assert secret_matches(created.key, parts[1])
    assert not secret_matches(created.key, parts[1].upper())
    assert not secret_matches(created.key, created.key.secret_hash)


async def test_using_a_key_records_last_used_at_at_most_once_a_minute(
    api_keys: ApiKeyService,
    resolver: CredentialResolver,
    store: IdentityStore,
    clock: FixedClock,
) -> None:
    created = await api_keys.create(OWNER, "k", "read")
    first_use = clock.now()
    await resolver.resolve(created.plaintext)
    assert store.api_keys[created.key.id].last_used_at == first_use

    clock.advance(seconds=30)
    await resolver.resolve(created.plaintext)
    assert store.api_keys[created.key.id].last_used_at == first_use

    clock.advance(seconds=LAST_USED_PRECISION.total_seconds())
    await resolver.resolve(created.plaintext)
    assert store.api_keys[created.key.id].last_used_at == clock.now()


async def test_an_access_token_resolves_to_its_user_with_read_and_write(
    resolver: CredentialResolver, clock: FixedClock
) -> None:
    token = JwtAccessTokens(SECRET, LIFETIME).issue(OWNER, clock.now()).token
    principal = await resolver.resolve(token)
    assert principal is not None
    assert principal.user_id == OWNER
    assert principal.can_write

    clock.advance(seconds=LIFETIME.total_seconds())
    assert await resolver.resolve(token) is None


@pytest.mark.parametrize("credential", ["", "x", "sbk_", "sbk_a_b", "a.b.c", "null"])
async def test_anything_else_resolves_to_nobody(
    resolver: CredentialResolver, credential: str
) -> None:
    assert await resolver.resolve(credential) is None
