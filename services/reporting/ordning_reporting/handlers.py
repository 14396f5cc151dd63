"""What the service does when an event arrives: every event of every service, on its own queue.

Each event is stored (projection.store) and folded into the read models that handle it (domain/registry.py);
the organisation tree's events also keep the platform's org-tree copy, which scopes every figure. The queue is
bound to `se.ordning.#` (every Ordning event type), so a type published for the first time tomorrow is stored
today and a read model added later is filled from it by the rebuild.
"""
from __future__ import annotations

from ordning_shared.orgtree import apply_org_unit_event

from . import projection
from .domain.registry import ORG_UNIT_PREFIX, ORG_UNITS, read_model_for

EVERY_EVENT = "se.ordning.#"  # the queue's one binding: a topic pattern matching every event type


def on_event(uow, cloudevent) -> None:
    on_events(uow, [cloudevent])


def on_events(uow, cloudevents: list) -> list[str]:
    """Store and fold a batch of events in the caller's unit of work; for each, processed or duplicate. The event
    store's key (source, id) makes this exactly-once without the inbox: an event redelivered after a crash (before
    or after the commit) is stored once and counted once."""
    events = [projection.from_cloudevent(cloudevent) for cloudevent in cloudevents]
    # Read FOR SHARE before the events are stored, with the read models' states (projection.receive_all): a
    # rebuild of the org tree holds the row FOR UPDATE while it refills the copy, and this batch waits for it.
    wanted = {model.name for event in events for model in read_model_for(event.type)}
    if any(event.type.startswith(ORG_UNIT_PREFIX) for event in events):
        wanted.add(ORG_UNITS)
    statuses = projection.model_statuses(uow.connection, wanted)
    stored = projection.receive_all(uow.connection, events, statuses)
    for cloudevent, event in zip(cloudevents, stored):
        # None: stored before under this source and id
        if event is not None and event.type.startswith(ORG_UNIT_PREFIX) and statuses[ORG_UNITS] == projection.READY:
            apply_org_unit_event(uow, cloudevent)
    return ["processed" if event is not None else "duplicate" for event in stored]


class EveryEvent(dict):
    """The handlers of the platform's consumer (ordning_shared.consumer), for every event type: its keys are the
    queue's bindings (one topic pattern), and `get` answers `on_event` for any se.ordning.* type."""

    def __init__(self):
        super().__init__({EVERY_EVENT: on_event})

    # The platform's consumer folds what the broker has delivered in one unit of work with this, without the
    # inbox (ordning_shared.consumer.EventConsumer's batches).
    handle_batch = staticmethod(on_events)

    def get(self, event_type, default=None):
        if isinstance(event_type, str) and event_type.startswith("se.ordning."):
            return on_event
        return default


HANDLERS = EveryEvent()
