"""Short-lived JWT access tokens (HS256, PyJWT)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import jwt

from contexts.identity.application.ports import AccessToken

ALGORITHM = "HS256"
AUDIENCE = "stockbook"


class JwtAccessTokens:
    def __init__(self, secret_key: str, lifetime: timedelta) -> None:
        self._secret_key = secret_key
        self._lifetime = lifetime

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
            if int(claims["exp"]) <= now.timestamp():
                return None
            return UUID(str(claims["sub"]))
        except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError):
            return None
