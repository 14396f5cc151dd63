from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ordning_shared.actions import (ACTION_EVENT_FIELDS, ActionRepository, ActionRuleViolation, ActionStatus,
                                    IllegalActionTransition, ImprovementAction, StaleAction, action_table)
from ordning_shared.db import PlatformTables, new_metadata
from ordning_shared.platform import Platform

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "Brukaren Karl Karlsson föll"


def new_action(**kw):
    values = dict(tenant="0180", origin_type="deviation", origin_id="dev-1", unit_id="u1",
                  title=SECRET, owner="anna", due_date=date(2025, 4, 1), description=SECRET + " igen", at=NOW)
    values.update(kw)
    return ImprovementAction.create(**values)


def test_create():
    action = new_action()
    assert action.status is ActionStatus.planned
    assert action.version == 1
    assert [e.type for e in action.events] == ["se.ordning.action.created.v1"]


@pytest.mark.parametrize("commands, status", [
    (["start"], ActionStatus.in_progress),
    (["complete"], ActionStatus.done),
    (["start", "complete"], ActionStatus.done),
    (["cancel"], ActionStatus.cancelled),
    (["start", "cancel"], ActionStatus.cancelled),
    (["complete", "reopen"], ActionStatus.in_progress),
    (["cancel", "reopen"], ActionStatus.planned),
])
def test_legal_transitions(commands, status):
    action = new_action()
    for command in commands:
        if command == "complete":
            action.complete(NOW, "följs upp i maj")
        else:
            getattr(action, command)()
    assert action.status is status
    assert action.version == 1 + len(commands)


@pytest.mark.parametrize("commands, illegal", [
    ([], "reopen"),
    (["start"], "start"),
    (["complete"], "start"),
    (["complete"], "complete"),
    (["complete"], "cancel"),
    (["cancel"], "complete"),
    (["cancel"], "cancel"),
    (["start"], "reopen"),
])
def test_illegal_transitions(commands, illegal):
    action = new_action()
    for command in commands:
        action.complete(NOW) if command == "complete" else getattr(action, command)()
    version, status = action.version, action.status
    with pytest.raises(IllegalActionTransition):
        action.complete(NOW) if illegal == "complete" else getattr(action, illegal)()
    assert (action.version, action.status) == (version, status)


def test_closed_action_cannot_be_updated():
    action = new_action()
    action.cancel()
    with pytest.raises(ActionRuleViolation):
        action.update(title="ny")


def test_update_and_reschedule_events():
    action = new_action()
    action.update(title="annan titel")
    action.update(due_date=date(2025, 5, 1))
    assert [e.type for e in action.events][-2:] == ["se.ordning.action.updated.v1",
                                                    "se.ordning.action.rescheduled.v1"]
    assert action.events[-1].data["due_date"] == "2025-05-01"


def test_a_new_owner_is_its_own_event_and_a_new_owner_and_due_date_two_versions():
    action = new_action()
    action.update(owner="bertil")
    assert (action.events[-1].type, action.events[-1].data["owner_id"], action.version) == (
        "se.ordning.action.assigned.v1", "bertil", 2)
    action.update(owner="cecilia", due_date=date(2025, 6, 1), title="ny")
    assert [(e.type, e.sequence) for e in action.events[-2:]] == [("se.ordning.action.rescheduled.v1", 3),
                                                                  ("se.ordning.action.assigned.v1", 4)]
    assert action.version == 4


def test_an_owner_written_as_a_name_is_not_in_the_events():
    action = new_action()
    action.update(owner="Bertil Berg")
    action.update(owner="bertil@example.se")
    assert [e.data["owner_id"] for e in action.events[-2:]] == [None, None]


def test_events_carry_no_free_text():
    action = new_action()
    action.update(title=SECRET, description=SECRET, owner="bertil")
    action.start()
    action.complete(NOW, effect_followup=SECRET)
    action.reopen()
    action.cancel()
    assert len(action.events) == 6
    for event in action.events:
        assert set(event.data) <= ACTION_EVENT_FIELDS
        assert not {"title", "description", "owner", "effect_followup"} & set(event.data)
        flat = repr(event.data)
        # the owner's user id is there (notify tells them), as a role event carries its holder's; no text is
        assert SECRET not in flat and event.data["owner_id"] in ("anna", "bertil")
        assert event.subject == action.id and event.tenant == "0180"
        assert event.data["origin_type"] == "deviation" and event.data["origin_id"] == "dev-1"
    completed = [e for e in action.events if e.type == "se.ordning.action.completed.v1"][0]
    assert completed.data["completed_at"] == NOW.isoformat()
    assert action.events[-1].data["status"] == "cancelled"


def test_events_say_whether_the_effect_is_followed_up_as_a_flag():
    """effect_followed_up is a boolean on every action event: false until a follow-up is written, never its text."""
    action = new_action()
    action.start()
    blank = new_action()
    blank.complete(NOW, effect_followup="   ")  # only blanks: no follow-up
    assert [e.data["effect_followed_up"] for e in blank.events] == [False, False]
    action.complete(NOW, effect_followup=SECRET)
    flags = [(e.type.split(".")[3], e.data["effect_followed_up"]) for e in action.events]
    assert flags == [("created", False), ("started", False), ("completed", True)]
    assert all(isinstance(e.data["effect_followed_up"], bool) for e in action.events)
    action.reopen()  # the follow-up written stays with the action
    assert action.events[-1].data["effect_followed_up"] is True
    assert SECRET not in repr([e.data for e in action.events])


def test_overdue():
    action = new_action(due_date=date(2025, 4, 1))
    assert not action.is_overdue(date(2025, 4, 1))
    assert action.is_overdue(date(2025, 4, 2))
    action.complete(NOW)
    assert not action.is_overdue(date(2025, 4, 2))
    action.reopen()
    assert action.is_overdue(date(2025, 4, 2))
    action.cancel()
    assert not action.is_overdue(date(2030, 1, 1))


def test_repository_round_trip_and_stale(tmp_path, settings):
    metadata = new_metadata()
    tables = PlatformTables(metadata, org_replica=False)
    table = action_table(metadata)
    platform = Platform(settings, tables)
    platform.create_all()
    action = new_action()
    with platform.uow() as uow:
        ActionRepository(uow, table).add(action)
        uow.commit()
    with platform.uow() as uow:
        repo = ActionRepository(uow, table)
        loaded = repo.get("0180", action.id, "deviation", "dev-1")
        assert loaded.title == SECRET and loaded.status is ActionStatus.planned
        assert loaded.created_at == NOW
        assert repo.get("9999", action.id, "deviation", "dev-1") is None
        assert repo.get("0180", action.id, "risk", "dev-1") is None
        loaded.start()
        repo.save(loaded, expected_version=1)
        uow.commit()
    with platform.uow() as uow:
        stale = ActionRepository(uow, table).for_origin("0180", "deviation", "dev-1")[0]
        assert stale.status is ActionStatus.in_progress and stale.version == 2
        stale.version = 1
        stale.cancel()
        with pytest.raises(StaleAction):
            ActionRepository(uow, table).save(stale, expected_version=1)
    with platform.engine.connect() as connection:
        outbox = connection.execute(sa.select(tables.outbox.c.type).order_by(tables.outbox.c.id)).scalars().all()
    assert outbox == ["se.ordning.action.created.v1", "se.ordning.action.started.v1"]
    platform.dispose()


def test_an_update_that_changes_nothing_records_no_event_and_keeps_the_version():
    from datetime import date, datetime, timezone

    from ordning_shared.actions import ImprovementAction

    action = ImprovementAction.create(tenant="0138", origin_type="deviation", origin_id="d-1", unit_id="u-1",
                                      title="Ny rutin", owner="erik", due_date=date(2030, 1, 31),
                                      at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    action.events.clear()
    action.update(title="Ny rutin", due_date=date(2030, 1, 31))
    assert action.version == 1
    assert action.events == []
    action.update(due_date=date(2030, 2, 28))
    assert action.version == 2
    assert [event.type for event in action.events] == ["se.ordning.action.rescheduled.v1"]
