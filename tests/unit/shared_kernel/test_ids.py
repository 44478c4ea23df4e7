"""New ids are RFC 9562 version 7 UUIDs: the time they were made, then randomness."""

from __future__ import annotations

import time
import uuid

from shared_kernel.domain.ids import new_id


def test_a_new_id_is_a_version_7_rfc_uuid() -> None:
    made = new_id()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_it_begins_with_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_after_and_none_repeats() -> None:
    first = new_id()
    time.sleep(0.002)
    batch = [new_id() for _ in range(100_000)]
    assert len(set(batch)) == len(batch)
    assert all(first < made for made in batch)
    # within one millisecond the order is random, across milliseconds it is by time
    assert [made.int >> 80 for made in batch] == sorted(made.int >> 80 for made in batch)
