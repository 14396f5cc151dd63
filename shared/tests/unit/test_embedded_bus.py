"""The embedded default: SQLite and kombu's filesystem transport under one data folder."""
import sqlalchemy as sa

from ordning_shared.db import PlatformTables, new_metadata
from ordning_shared.events import DomainEvent
from ordning_shared.outbox import OutboxRelay
from ordning_shared.platform import Platform
from ordning_shared.testing import BackgroundWorker, make_settings, wait_until

TYPE = "se.ordning.thing.created.v1"
OTHER = "se.ordning.thing.closed.v1"


def test_event_travels_through_filesystem_bus(tmp_path):
    metadata = new_metadata()
    tables = PlatformTables(metadata)
    applied = sa.Table("applied", metadata, sa.Column("id", sa.Integer, primary_key=True),
                       sa.Column("subject", sa.String(64)))
    producer = Platform(make_settings("processes", database_url=f"sqlite:///{tmp_path}/p.db",
                                      broker_url="filesystem://", data_dir=tmp_path), tables)
    consumer = Platform(make_settings("deviations", database_url=f"sqlite:///{tmp_path}/d.db",
                                      broker_url="filesystem://", data_dir=tmp_path), tables)
    producer.create_all()
    consumer.create_all()

    def handler(uow, event):
        uow.execute(applied.insert().values(subject=event.get_subject()))

    def applied_subjects():
        with consumer.engine.connect() as connection:
            return sorted(connection.execute(sa.select(applied.c.subject)).scalars())

    with BackgroundWorker(consumer, {TYPE: handler}):
        # the consumer must have declared its queue before anything is published
        exchange_file = tmp_path / "bus" / "control" / "ordning.events.exchange"
        wait_until(lambda: exchange_file.exists() and "ordning.deviations" in exchange_file.read_text(),
                   timeout=30, message="the consumer's binding")
        with producer.uow() as uow:
            uow.add_event(DomainEvent(TYPE, "0180", "a"))
            uow.add_event(DomainEvent(OTHER, "0180", "not-subscribed"))
            uow.add_event(DomainEvent(TYPE, "0180", "b"))
            uow.commit()
        relay = OutboxRelay(producer)
        assert relay.publish_pending() == 3
        relay.publisher.close()
        wait_until(lambda: applied_subjects() == ["a", "b"], timeout=30, message="both events applied")
    assert applied_subjects() == ["a", "b"]
    producer.dispose()
    consumer.dispose()
