"""The in-process event bus: each subscriber gets its share, failures are reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.event_bus import InProcessEventBus


@dataclass(frozen=True, kw_only=True, slots=True)
class Happened(IntegrationEvent):
    what: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Other(IntegrationEvent):
    pass


async def test_each_subscriber_gets_the_events_of_its_types_in_order() -> None:
    bus = InProcessEventBus()
    calls: list[tuple[str, list[str]]] = []

    def recorder(name: str):  # type: ignore[no-untyped-def]
        async def record(events: Sequence[IntegrationEvent]) -> None:
            calls.append((name, [type(e).__name__ for e in events]))

        return record

    bus.subscribe((Happened,), "first", recorder("first"))
    bus.subscribe((Happened, Other), "both", recorder("both"))
    bus.subscribe((Other,), "other", recorder("other"))
    failures = await bus.dispatch([Happened(what="x"), Other(), Happened(what="y")])
    assert failures == {}
    assert calls == [
        ("first", ["Happened", "Happened"]),
        ("both", ["Happened", "Other", "Happened"]),
        ("other", ["Other"]),
    ]


async def test_a_subscriber_with_nothing_in_the_delivery_is_not_called() -> None:
    bus = InProcessEventBus()
    calls: list[int] = []

    async def count(events: Sequence[IntegrationEvent]) -> None:
        calls.append(len(events))

    bus.subscribe((Other,), "other", count)
    assert await bus.dispatch([Happened(what="x")]) == {}
    assert calls == []


async def test_a_failing_subscriber_is_reported_per_event_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = InProcessEventBus()
    calls: list[str] = []

    async def broken(events: Sequence[IntegrationEvent]) -> None:
        calls.append("broken")
        raise RuntimeError("disk full")

    async def fine(events: Sequence[IntegrationEvent]) -> None:
        calls.append("fine")

    bus.subscribe((Happened,), "broken", broken)
    bus.subscribe((Happened, Other), "fine", fine)
    first, second, other = Happened(what="x"), Happened(what="y"), Other()
    failures = await bus.dispatch([first, other, second])
    assert failures == {
        first.event_id: ["broken: RuntimeError: disk full"],
        second.event_id: ["broken: RuntimeError: disk full"],
    }
    assert calls == ["broken", "fine"]
    assert f"subscriber broken failed on 2 event(s), first Happened {first.event_id}" in caplog.text


async def test_a_subscriber_name_is_taken_once() -> None:
    bus = InProcessEventBus()

    async def handler(events: Sequence[IntegrationEvent]) -> None:
        return None

    bus.subscribe((Happened,), "projector", handler)
    with pytest.raises(ValueError, match="'projector' is already taken"):
        bus.subscribe((Other,), "projector", handler)
