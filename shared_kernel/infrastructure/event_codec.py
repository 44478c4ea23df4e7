"""JSON encoding of integration events for the outbox.

Events are frozen dataclasses of plain values; this turns them into JSON
text and back, using the dataclass's type hints to restore exact types
(Decimal stays Decimal: it is written as a string, never as a float).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from shared_kernel.domain.events import IntegrationEvent


class EventCodec:
    """Encodes and decodes the integration events registered with it, by name."""

    def __init__(self) -> None:
        self._types: dict[str, type[IntegrationEvent]] = {}

    def register(self, *event_types: type[IntegrationEvent]) -> None:
        for event_type in event_types:
            known = self._types.get(event_type.__name__)
            if known is not None and known is not event_type:
                raise ValueError(f"two event types are named {event_type.__name__}")
            self._types[event_type.__name__] = event_type

    def name_of(self, event: IntegrationEvent) -> str:
        name = type(event).__name__
        if self._types.get(name) is not type(event):
            raise KeyError(f"event type {name} is not registered")
        return name

    def encode(self, event: IntegrationEvent) -> str:
        return json.dumps(_to_json(event), separators=(",", ":"))

    def decode(self, name: str, payload: str) -> IntegrationEvent:
        event_type = self._types[name]
        decoded = _from_json(event_type, json.loads(payload))
        assert isinstance(decoded, IntegrationEvent)
        return decoded


def _to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_to_json(item) for item in value]
    return value


def _from_json(annotation: Any, value: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _from_json(inner, value)
    if origin is tuple:
        item_type = typing.get_args(annotation)[0]
        return tuple(_from_json(item_type, item) for item in value)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        hints = typing.get_type_hints(annotation)
        fields = {f.name for f in dataclasses.fields(annotation) if f.init}
        return annotation(**{name: _from_json(hints[name], value[name]) for name in fields})
    if annotation in (UUID, Decimal):
        return annotation(value)
    if annotation is datetime:
        return datetime.fromisoformat(value)
    if annotation is date:
        return date.fromisoformat(value)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation(value)
    return value
