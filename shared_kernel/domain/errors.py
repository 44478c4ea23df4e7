"""Domain error base types.

Each kind of failure is one base class; the web layer maps a base class to an
HTTP status, and the error's ``code`` is the machine-readable code of API.md.
Contexts subclass these with their own codes and messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class ErrorDetail:
    """One problem with one part of the input (a field, or a line of a file)."""

    message: str
    field: str | None = None
    line: int | None = None


class DomainError(Exception):
    """A rule of the domain refused an operation."""

    code: str = "DOMAIN_ERROR"
    title: str = "Request refused"

    def __init__(self, detail: str, errors: list[ErrorDetail] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[ErrorDetail] = errors or []


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule about its values (422)."""

    code = "VALIDATION_ERROR"
    title = "Invalid input"

    @classmethod
    def for_field(cls, field_name: str, message: str) -> InvalidInput:
        return cls(f"{field_name}: {message}", [ErrorDetail(message=message, field=field_name)])


class ImportRejected(InvalidInput):
    """A file was refused as a whole; ``errors`` lists every bad line (422)."""

    code = "IMPORT_REJECTED"
    title = "Import rejected"

    def __init__(self, errors: list[ErrorDetail]) -> None:
        lines = sorted({e.line for e in errors if e.line is not None})
        where = f" (lines {', '.join(map(str, lines[:20]))}{', …' if len(lines) > 20 else ''})"
        super().__init__(
            f"The file has {len(errors)} problem(s){where if lines else ''}; nothing was recorded.",
            errors,
        )


class NotFound(DomainError):
    """The resource does not exist, or is not the caller's (404)."""

    code = "NOT_FOUND"
    title = "Not found"


class Conflict(DomainError):
    """The operation conflicts with the current state (409)."""

    code = "CONFLICT"
    title = "Conflict"


class PreconditionFailed(DomainError):
    """The caller's expected version is not the current one (412)."""

    code = "PRECONDITION_FAILED"
    title = "Precondition failed"


class Unauthenticated(DomainError):
    """Credentials are missing, invalid or expired (401)."""

    code = "UNAUTHENTICATED"
    title = "Unauthenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this (403)."""

    code = "FORBIDDEN"
    title = "Forbidden"


class TooManyRequests(DomainError):
    """The caller must wait before trying again (429)."""

    code = "RATE_LIMITED"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class VersionCheck:
    """An optimistic-concurrency expectation: the version the caller last saw."""

    expected: int | None = field(default=None)

    NO_VERSION: ClassVar[int] = -1
    """Expected by a tag that names none of ours (an ETag of someone else's): never met."""

    def verify(self, actual: int, what: str) -> None:
        if self.expected is None or self.expected == actual:
            return
        if self.expected == self.NO_VERSION:
            raise PreconditionFailed(
                f"{what} is at version {actual}; If-Match names no version of it. Fetch it again."
            )
        raise PreconditionFailed(
            f"{what} is at version {actual}, not {self.expected}; fetch it again."
        )
