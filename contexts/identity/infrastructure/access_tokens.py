"""Short-lived JWT access tokens (HS256, PyJWT).

A token whose signature and claims check out is remembered (up to
``VERIFIED_TOKENS_KEPT`` of them, the oldest forgotten first): a client sends
the same token with every request for its whole lifetime, and decoding it
again each time is most of what authentication costs. What is remembered is
only what the token itself says — its user and expiry — so expiry is still
judged against the clock on every request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import jwt

from contexts.identity.application.ports import AccessToken

ALGORITHM = "HS256"
AUDIENCE = "stockbook"
VERIFIED_TOKENS_KEPT = 4096


class JwtAccessTokens:
    def __init__(self, secret_key: str, lifetime: timedelta) -> None:
        self._secret_key = secret_key
        self._lifetime = lifetime
        self._verified: dict[str, tuple[UUID, int]] = {}

    def issue(self, user_id: UUID, now: datetime) -> AccessToken:
        claims = {
            "sub": str(user_id),
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
        }
        token = jwt.encode(claims, self._secret_key, algorithm=ALGORITHM)
        return AccessToken(token=token, expires_in=int(self._lifetime.total_seconds()))

    def verify(self, token: str, now: datetime) -> UUID | None:
        verified = self._verified.get(token)
        if verified is None:
            verified = self._decode(token)
            if verified is None:
                return None
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = verified
        user_id, expires = verified
        return user_id if expires > now.timestamp() else None

    def _decode(self, token: str) -> tuple[UUID, int] | None:
        """The user and expiry of a well-signed token with every claim, else None."""
        try:
            claims = jwt.decode(
                token,
                self._secret_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                # Time is judged against ``now`` alone, not PyJWT's wall clock: a
                # token from an instance whose clock runs a little ahead is not
                # "issued in the future", and an injected clock is obeyed.
                options={
                    "require": ["sub", "exp", "iat", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            int(claims["iat"])  # must be a number, as PyJWT would have checked
            return UUID(str(claims["sub"])), int(claims["exp"])
        except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError):
            return None
