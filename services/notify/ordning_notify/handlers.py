"""What the service does when an event arrives. Its queue is bound to every type of the event catalogue: any of
them may be the subject of a tenant's rule (and of a webhook subscription). The processes service's org-unit and
role events also keep the service's copies of the org tree and of who holds which role where, and the deviations
service's working-calendar events the copy of each tenant's working calendar the deadlines count in (before the
reactions read them, in the same unit of work).

REACTIONS are run for every event, in order, in the event's one unit of work with its inbox record; a piece of
the service that reacts to events (notices, deadlines, webhooks) adds its function to the list.
"""
from __future__ import annotations

from ordning_shared.orgtree import org_unit_handlers
from ordning_shared.roles import role_handlers

from .catalogue import EVENT_TYPES
from .deadline_service import CALENDAR_CHANGED, copy_calendar, track_deadlines
from .mail import queue_mails_of_event
from .service import give_notices
from .webhook_service import queue_deliveries

REACTIONS = [give_notices, queue_mails_of_event, track_deadlines, queue_deliveries]
COPIES = {**org_unit_handlers(), **role_handlers(), CALENDAR_CHANGED: copy_calendar}


def _handler(event_type: str):
    copy = COPIES.get(event_type)

    def handle(uow, cloudevent) -> None:
        if copy is not None:
            copy(uow, cloudevent)
        for react in REACTIONS:
            react(uow, cloudevent)

    handle.__name__ = f"handle_{event_type.split('.')[2]}_{event_type.split('.')[3]}"
    return handle


HANDLERS = {event_type: _handler(event_type) for event_type in sorted(EVENT_TYPES | set(COPIES))}
