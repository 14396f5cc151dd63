"""The consumer's inbox on the embedded SQLite database."""
import pytest
import sqlalchemy as sa

from ordning_shared.consumer import handle_event
from ordning_shared.events import DomainEvent, serialize, to_cloudevent

TYPE = "se.ordning.thing.happened.v1"


def body():
    return serialize(to_cloudevent(DomainEvent(TYPE, "0180", "t1", {"n": 1}), "processes"))


def counts(platform, things):
    with platform.engine.connect() as connection:
        return tuple(connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                     for t in (platform.tables.inbox, things))


def test_duplicate_applies_once(platform, things_table):
    def handler(uow, event):
        uow.execute(things_table.insert().values(id=event.get_id(), tenant="0180", name="x"))

    message = body()
    assert handle_event(platform, {TYPE: handler}, message) == "processed"
    assert handle_event(platform, {TYPE: handler}, message) == "duplicate"
    assert handle_event(platform, {}, message) == "ignored"
    assert counts(platform, things_table) == (1, 1)


def test_failed_handler_leaves_no_inbox_row(platform, things_table):
    attempts = []

    def handler(uow, event):
        attempts.append(1)
        uow.execute(things_table.insert().values(id=event.get_id(), tenant="0180", name="x"))
        if len(attempts) == 1:
            raise RuntimeError("transient failure")

    message = body()
    with pytest.raises(RuntimeError):
        handle_event(platform, {TYPE: handler}, message)
    assert counts(platform, things_table) == (0, 0)
    # the redelivery must be processed, not dropped as a duplicate
    assert handle_event(platform, {TYPE: handler}, message) == "processed"
    assert counts(platform, things_table) == (1, 1)


def test_not_a_cloudevent_is_value_error(platform):
    with pytest.raises(ValueError):
        handle_event(platform, {TYPE: lambda uow, e: None}, b'{"hello": "world"}')


def test_unit_of_work_without_commit_rolls_back(platform, things_table):
    with platform.uow() as uow:
        uow.execute(things_table.insert().values(id="a", tenant="0180", name="x"))
        uow.add_event(DomainEvent(TYPE, "0180", "a"))
    with pytest.raises(RuntimeError):
        with platform.uow() as uow:
            uow.execute(things_table.insert().values(id="b", tenant="0180", name="x"))
            uow.add_event(DomainEvent(TYPE, "0180", "b"))
            raise RuntimeError
    with platform.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(platform.tables.outbox)).scalar_one() == 0
    assert counts(platform, things_table)[1] == 0


def test_commit_writes_change_audit_and_outbox(platform, things_table):
    with platform.uow() as uow:
        uow.execute(things_table.insert().values(id="a", tenant="0180", name="x"))
        uow.audit(tenant="0180", actor="anna", action="create", entity_type="thing", entity_id="a",
                  before=None, after={"name": "x"})
        uow.add_event(DomainEvent(TYPE, "0180", "a", {"id": "a"}))
        uow.commit()
    tables = platform.tables
    with platform.engine.connect() as connection:
        audit = connection.execute(sa.select(tables.audit_log)).one()
        outbox = connection.execute(sa.select(tables.outbox)).one()
    assert (audit.actor, audit.changed_fields, audit.entity_id) == ("anna", ["name"], "a")
    assert outbox.type == TYPE and outbox.published_at is None and outbox.tenant == "0180"


class _Delivery:
    """A delivered message as kombu hands it to on_message: its body, headers and what was done with it."""

    def __init__(self, body):
        self.body, self.headers, self.outcome = body, {"cloudEvents_type": TYPE}, None

    def requeue(self):
        self.outcome = "requeued"

    def ack(self):
        self.outcome = "acked"


def test_a_failing_handler_is_logged_without_the_values_its_error_holds(platform, caplog):
    from ordning_shared.consumer import EventConsumer

    marker = "19121212-1212"

    def handler(uow, event):
        raise RuntimeError(f'duplicate key value violates unique constraint DETAIL: Key (name)=({marker})')

    consumer = EventConsumer(platform, {TYPE: handler})
    delivery = _Delivery(body())
    consumer.on_message(delivery)
    assert delivery.outcome == "requeued"  # retried, not lost
    assert "handling se.ordning.thing.happened.v1 failed" in caplog.text and "RuntimeError" in caplog.text
    assert marker not in caplog.text
