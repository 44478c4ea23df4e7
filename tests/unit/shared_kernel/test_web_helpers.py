"""ETag / If-Match parsing and opaque keyset cursors."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_kernel.domain.errors import InvalidInput, PreconditionFailed, VersionCheck
from shared_kernel.web.etag import etag_for, version_check
from shared_kernel.web.pagination import decode_cursor, encode_cursor


class TestETag:
    def test_etag_is_the_quoted_version(self) -> None:
        assert etag_for(3) == '"3"'

    @pytest.mark.parametrize("header", [None, "*", " * "])
    def test_absent_or_star_expects_nothing(self, header: str | None) -> None:
        assert version_check(header) == VersionCheck(None)

    @pytest.mark.parametrize(
        ("header", "expected"),
        [('"3"', 3), ("3", 3), (' "12" ', 12), ('W/"5"', 5), ('"0"', 0)],
    )
    def test_our_tags_expect_their_version(self, header: str, expected: int) -> None:
        assert version_check(header) == VersionCheck(expected)

    @pytest.mark.parametrize(
        "header",
        [
            '"abc"',
            '"-1"',
            '"1.0"',
            '""',
            '"123456789012"',  # too long to be one of ours
            '"²"',  # a digit to str.isdigit, not to int()
            '"١"',  # Arabic-Indic one
        ],
    )
    def test_foreign_tags_never_match(self, header: str) -> None:
        check = version_check(header)
        assert check == VersionCheck(VersionCheck.NO_VERSION)
        with pytest.raises(PreconditionFailed):
            check.verify(1, "thing")

    @given(st.text(max_size=30))
    def test_any_header_gives_a_check_and_never_crashes(self, header: str) -> None:
        check = version_check(header)
        assert check.expected is None or check.expected >= -1


class TestCursor:
    def test_no_keyset_is_no_cursor(self) -> None:
        assert encode_cursor(None) is None

    @given(
        st.lists(
            st.text(st.characters(codec="utf-8", exclude_characters="\x00")), min_size=1, max_size=3
        ).map(tuple)
    )
    def test_round_trip(self, keyset: tuple[str, ...]) -> None:
        cursor = encode_cursor(keyset)
        assert cursor is not None
        assert "=" not in cursor
        assert decode_cursor(cursor) == keyset

    @staticmethod
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage!!",
            "x",
            "é",
            b64(b"not json"),
            b64(b'{"a": 1}'),
            b64(b"[1, 2]"),
            b64(b'"text"'),
            b64(b"\xff\xfe"),
            b64(json.dumps([["nested"]]).encode()),
            b64(b"[" * 1500),  # deeper than the JSON parser's recursion limit
            # text no database column holds, and no list hands out
            b64(json.dumps(["\ud800", "x"]).encode()),
            b64(json.dumps(["a\u0000"]).encode()),
        ],
    )
    def test_a_garbage_cursor_is_invalid_input_on_cursor(self, cursor: str) -> None:
        with pytest.raises(InvalidInput) as error:
            decode_cursor(cursor)
        assert [(e.field, e.message) for e in error.value.errors] == [
            ("cursor", "is not a cursor from this API")
        ]

    @given(st.text(max_size=200))
    def test_any_text_decodes_or_is_refused_as_input(self, cursor: str) -> None:
        try:
            keyset = decode_cursor(cursor)
        except InvalidInput:
            return
        assert all(isinstance(value, str) for value in keyset)
