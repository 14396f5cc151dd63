"""An event as reporting stores it: the envelope's identity and order, and its data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredEvent:
    tenant: str
    source: str
    id: str
    type: str
    subject: str
    sequence: int | None  # the CloudEvents `sequence` extension: the aggregate's version after the change
    time: datetime | None
    data: dict
    position: int = 0  # the order reporting received it in (the store's serial); breaks ties only

    @property
    def version(self) -> int:
        """The aggregate's version this event brings it to: `sequence`, else the payload's `version` or
        `revision` (the org events carry a revision), else 0 (an event that says nothing of its order)."""
        if self.sequence is not None:
            return self.sequence
        for name in ("version", "revision"):
            value = self.data.get(name) if isinstance(self.data, dict) else None
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return 0

    @property
    def order(self) -> tuple[int, int]:
        """How an aggregate's events are folded: by version, then (a version given twice) as received."""
        return (self.version, self.position)


def parse_sequence(value) -> int | None:
    """The `sequence` attribute (ten digits, ordning_shared.events.sequence_attribute) as a number."""
    if value is None:
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 10**10 else None
