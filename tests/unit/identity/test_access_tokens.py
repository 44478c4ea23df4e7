"""JWT access tokens: HS256, issued and verified against an injected clock."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest

from contexts.identity.infrastructure import access_tokens
from contexts.identity.infrastructure.access_tokens import AUDIENCE, JwtAccessTokens

SECRET = "unit-test-secret-key-" + "k" * 44  # 64 bytes: enough for HS512 too
OTHER_SECRET = "another-secret-key-of-more-than-32-bytes!"
LIFETIME = timedelta(minutes=30)
ISSUED = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)
USER = UUID("6f1c2a3e-0b1d-4a8e-9c55-1f2e3d4c5b6a")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(issued: datetime = ISSUED, **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": str(USER),
        "aud": AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + LIFETIME).timestamp()),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(SECRET, LIFETIME)


def test_an_issued_token_is_an_hs256_jwt_for_the_user(tokens: JwtAccessTokens) -> None:
    issued = tokens.issue(USER, ISSUED)
    assert issued.expires_in == 30 * 60
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "HS256"
    claims = jwt.decode(
        issued.token, SECRET, algorithms=["HS256"], audience=AUDIENCE, options={"verify_exp": False}
    )
    assert claims["sub"] == str(USER)
    assert claims["iat"] == int(ISSUED.timestamp())
    assert claims["exp"] - claims["iat"] == 30 * 60


def test_the_lifetime_sets_expires_in_and_exp() -> None:
    tokens = JwtAccessTokens(SECRET, timedelta(minutes=5))
    issued = tokens.issue(USER, ISSUED)
    assert issued.expires_in == 300
    assert tokens.verify(issued.token, ISSUED + timedelta(seconds=299)) == USER
    assert tokens.verify(issued.token, ISSUED + timedelta(seconds=300)) is None


def test_a_token_verifies_until_it_expires(tokens: JwtAccessTokens) -> None:
    token = tokens.issue(USER, ISSUED).token
    assert tokens.verify(token, ISSUED) == USER
    assert tokens.verify(token, ISSUED + LIFETIME - timedelta(seconds=1)) == USER


@pytest.mark.parametrize("after", [LIFETIME, LIFETIME + timedelta(seconds=1), timedelta(days=365)])
def test_an_expired_token_does_not_verify(tokens: JwtAccessTokens, after: timedelta) -> None:
    token = tokens.issue(USER, ISSUED).token
    assert tokens.verify(token, ISSUED + after) is None


def test_verification_follows_the_injected_clock_not_the_wall_clock(
    tokens: JwtAccessTokens,
) -> None:
    """A clock ahead of the wall clock (or another instance's clock a little ahead
    of this one's) must not make a fresh token look "issued in the future"."""
    future = datetime.now(UTC) + timedelta(days=3650)
    token = tokens.issue(USER, future).token
    assert tokens.verify(token, future) == USER
    assert tokens.verify(token, future + timedelta(minutes=1)) == USER
    assert tokens.verify(token, future + LIFETIME) is None


def test_a_token_issued_a_moment_ahead_by_another_instance_verifies(
    tokens: JwtAccessTokens,
) -> None:
    now = datetime.now(UTC)
    token = tokens.issue(USER, now + timedelta(seconds=5)).token
    assert tokens.verify(token, now) == USER


def test_a_token_signed_with_another_key_does_not_verify(tokens: JwtAccessTokens) -> None:
    token = JwtAccessTokens(OTHER_SECRET, LIFETIME).issue(USER, ISSUED).token
    assert tokens.verify(token, ISSUED) is None


def test_a_tampered_payload_does_not_verify(tokens: JwtAccessTokens) -> None:
    header, _payload, signature = tokens.issue(USER, ISSUED).token.split(".")
    other_user = _b64(_claims(sub=str(uuid4())))
    assert tokens.verify(f"{header}.{other_user}.{signature}", ISSUED) is None
    longer = _b64(_claims(exp=int((ISSUED + timedelta(days=365)).timestamp())))
    assert tokens.verify(f"{header}.{longer}.{signature}", ISSUED) is None


def test_a_tampered_signature_does_not_verify(tokens: JwtAccessTokens) -> None:
    token = tokens.issue(USER, ISSUED).token
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert tokens.verify(flipped, ISSUED) is None
    header, payload, _signature = token.split(".")
    assert tokens.verify(f"{header}.{payload}.", ISSUED) is None


def test_an_alg_none_token_does_not_verify(tokens: JwtAccessTokens) -> None:
    for alg in ("none", "None", "NONE"):
        unsigned = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(_claims())}."
        assert tokens.verify(unsigned, ISSUED) is None


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_another_algorithm_with_the_right_key_does_not_verify(
    tokens: JwtAccessTokens, algorithm: str
) -> None:
    token = jwt.encode(_claims(), SECRET, algorithm=algorithm)
    assert tokens.verify(token, ISSUED) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"aud": None},
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"sub": "not-a-uuid"},
        {"sub": 42},
        {"exp": "tomorrow"},
        {"iat": "yesterday"},
    ],
    ids=lambda changes: ",".join(f"{k}={v}" for k, v in changes.items()),
)
def test_a_token_with_missing_or_wrong_claims_does_not_verify(
    tokens: JwtAccessTokens, changes: dict[str, Any]
) -> None:
    token = jwt.encode(_claims(**changes), SECRET, algorithm="HS256")
    assert tokens.verify(token, ISSUED) is None


@pytest.mark.parametrize(
    "garbage", ["", "x", "a.b.c", "a.b", "....", "Bearer x", "sbk_x", "é.é.é", "eyJ.eyJ.eyJ"]
)
def test_garbage_does_not_verify_and_raises_nothing(tokens: JwtAccessTokens, garbage: str) -> None:
    assert tokens.verify(garbage, ISSUED) is None


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens PyJWT is asked to decode, in order."""
    calls: list[str] = []
    real_decode = jwt.decode

    def counting_decode(encoded: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(encoded)
        return real_decode(encoded, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    return calls


def test_a_verified_token_is_decoded_once_and_still_expires(
    tokens: JwtAccessTokens, decoded: list[str]
) -> None:
    token = tokens.issue(USER, ISSUED).token
    assert tokens.verify(token, ISSUED) == USER
    assert tokens.verify(token, ISSUED + timedelta(minutes=1)) == USER
    assert decoded == [token]
    assert tokens.verify(token, ISSUED + LIFETIME) is None


def test_a_rejected_token_is_checked_again_each_time(
    tokens: JwtAccessTokens, decoded: list[str]
) -> None:
    forged = JwtAccessTokens(OTHER_SECRET, LIFETIME).issue(USER, ISSUED).token
    assert tokens.verify(forged, ISSUED) is None
    assert tokens.verify(forged, ISSUED) is None
    assert decoded == [forged, forged]


def test_the_oldest_remembered_token_is_forgotten_first(
    tokens: JwtAccessTokens, decoded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_tokens, "VERIFIED_TOKENS_KEPT", 2)
    users = [uuid4() for _ in range(3)]
    issued = [
        tokens.issue(user, ISSUED + timedelta(seconds=n)).token for n, user in enumerate(users)
    ]
    for token in issued:
        assert tokens.verify(token, ISSUED) is not None
    decoded.clear()
    assert tokens.verify(issued[1], ISSUED) == users[1]
    assert tokens.verify(issued[2], ISSUED) == users[2]
    assert decoded == []
    assert tokens.verify(issued[0], ISSUED) == users[0]
    assert decoded == [issued[0]]
