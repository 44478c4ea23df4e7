"""Rules for free text fields shared by several contexts."""

from __future__ import annotations

from shared_kernel.domain.errors import InvalidInput


def required_text(value: str, field_name: str, max_length: int) -> str:
    """Trim ``value`` and check it is 1..max_length characters."""
    trimmed = value.strip()
    if not trimmed:
        raise InvalidInput.for_field(field_name, "must not be empty")
    return optional_text(trimmed, field_name, max_length) or trimmed


def optional_text(value: str | None, field_name: str, max_length: int) -> str | None:
    """Trim ``value``; an empty one is absent; a longer one is refused."""
    if value is None:
        return None
    trimmed = value.strip()
    if len(trimmed) > max_length:
        raise InvalidInput.for_field(field_name, f"must be at most {max_length} characters")
    return trimmed or None


def is_encodable(text: str) -> bool:
    """Whether ``text`` holds no half of a surrogate pair: no character, nothing can
    encode it (a database driver fails on it), though Python's JSON reader lets it in."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
