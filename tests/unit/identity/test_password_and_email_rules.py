"""Password rules (12–128 characters), email rules, and argon2 hashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from contexts.identity.domain.user import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    check_password,
    email_of,
)
from contexts.identity.infrastructure.passwords import Argon2PasswordHasher
from shared_kernel.domain.errors import InvalidInput


def test_the_limits_are_the_documented_ones() -> None:
    assert (PASSWORD_MIN, PASSWORD_MAX) == (12, 128)


@pytest.mark.parametrize("length", [12, 13, 64, 127, 128])
def test_a_password_of_12_to_128_characters_is_accepted(length: int) -> None:
    check_password("p" * length)


@pytest.mark.parametrize("length", [0, 1, 11, 129, 1000])
def test_a_password_outside_12_to_128_characters_is_refused(length: int) -> None:
    with pytest.raises(InvalidInput) as error:
        check_password("p" * length)
    assert [(e.field, e.message) for e in error.value.errors] == [
        ("password", "must be 12 to 128 characters long")
    ]


def test_the_refusal_never_repeats_the_password() -> None:
    secret = "short-s3cr"
    with pytest.raises(InvalidInput) as error:
        check_password(secret)
    assert secret not in error.value.detail
    assert all(secret not in e.message for e in error.value.errors)


def test_characters_are_counted_not_bytes() -> None:
    check_password("é" * 12)  # 24 bytes in UTF-8, 12 characters
    check_password("🔑" * 128)  # 512 bytes, 128 characters
    with pytest.raises(InvalidInput):
        check_password("é" * 11)


def test_surrounding_spaces_count_they_are_not_trimmed() -> None:
    check_password(" " + "p" * 10 + " ")
    check_password(" " * 12)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\n", "ada@example.com"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(raw: str, normalized: str) -> None:
    assert email_of(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "a@b@c.com"]
)
def test_a_malformed_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as error:
        email_of(raw)
    assert [e.field for e in error.value.errors] == ["email"]


def test_an_email_over_254_characters_is_refused() -> None:
    with pytest.raises(InvalidInput):
        email_of("a" * 243 + "@example.com")  # 255 characters
    assert len(email_of("a" * 242 + "@example.com")) == 254


FAST = Argon2PasswordHasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_argon2_hashes_are_argon2id_salted_and_never_the_password() -> None:
    password = "correct horse battery staple"
    first, second = FAST.hash(password), FAST.hash(password)
    assert first.startswith("$argon2id$")
    assert password not in first
    assert first != second  # a fresh salt every time
    assert FAST.verify(first, password)
    assert FAST.verify(second, password)


def test_a_wrong_password_does_not_verify() -> None:
    password_hash = FAST.hash("correct horse battery staple")
    assert not FAST.verify(password_hash, "correct horse battery stapl")
    assert not FAST.verify(password_hash, "")


@pytest.mark.parametrize("garbage", ["", "not a hash", "$argon2id$v=19$m=1024,t=1,p=1$bad"])
def test_a_damaged_hash_verifies_nothing_and_raises_nothing(garbage: str) -> None:
    assert not FAST.verify(garbage, "correct horse battery staple")


def test_the_production_hasher_uses_argon2id_with_library_defaults() -> None:
    password_hash = Argon2PasswordHasher().hash("correct horse battery staple")
    defaults = PasswordHasher()
    assert password_hash.startswith("$argon2id$")
    assert f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}" in (
        password_hash
    )
