"""Fixtures: a fresh PostgreSQL database migrated to head, the app, an org tree fed through org events, and the
people who hold roles in it fed through role events as the processes service publishes them."""
from __future__ import annotations

import uuid
from datetime import timedelta
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from ordning_shared import events
from ordning_shared.testing import ORG_TREE as TREE
from ordning_shared.testing import TENANT_A as A
from ordning_shared.testing import TENANT_B as B
from ordning_shared.testing import UNITS as U
from ordning_shared.testing import ServiceEnv, org_event_body, service_env

from ordning_notify.app import create_app
from ordning_notify.db import notices
from ordning_notify.handlers import HANDLERS
from ordning_shared.workdays import today_in_sweden

__all__ = ["A", "B", "TREE", "U", "org_event_body", "role_event_body", "reported_event_body"]

# The people of tenant A (subject, token roles, token units) and where they hold their roles.
STAFF_E1 = ("anna", ["medarbetare"], ["e1"])
CHEF_E1 = ("erik", ["enhetschef"], ["e1"])
CHEF_E2 = ("eva", ["enhetschef"], ["e2"])
VCHEF_V = ("vera", ["verksamhetschef"], ["v"])
FCHEF_F = ("frida", ["forvaltningschef"], ["f"])
MAS_F = ("maja", ["mas"], ["f"])
KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
ADMIN = ("adam", ["administrator"], ["n"])
ADMIN_B = ("bodil", ["administrator"], ["fb"])
CHEF_EB = ("bert", ["enhetschef"], ["eb"])
# (tenant, user id, role, unit): fed as se.ordning.role.assigned.v1 events.
ROLE_HOLDERS = [(A, "erik", "enhetschef", "e1"), (A, "eva", "enhetschef", "e2"), (A, "vera", "verksamhetschef", "v"),
                (A, "frida", "forvaltningschef", "f"), (A, "maja", "mas", "f"), (A, "bert-a", "enhetschef", "e3"),
                (B, "bert", "enhetschef", "eb"), (B, "fia", "forvaltningschef", "fb")]


def role_event_body(tenant, user_id, role, unit, *, assignment_id=None, version=1, valid_from="2020-01-01",
                    ended_at=None) -> bytes:
    """A se.ordning.role.assigned.v1 (or .ended.v1 with `ended_at`) CloudEvent as the processes service sends it."""
    assignment_id = assignment_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{user_id}/{role}/{unit}"))
    what = "ended" if ended_at else "assigned"
    data = {"assignment_id": assignment_id, "role": role, "unit_id": U.get(unit, unit), "process_id": None,
            "user_id": user_id, "valid_from": valid_from, "valid_to": None, "version": version}
    if ended_at:
        data["ended_at"] = ended_at
    event = events.DomainEvent(type=f"se.ordning.role.{what}.v1", tenant=tenant, subject=assignment_id, data=data,
                               sequence=version)
    return events.serialize(events.to_cloudevent(event, "processes"))


def reported_event_body(tenant, unit, kind="lex_sarah", deviation_id=None) -> bytes:
    """A se.ordning.deviation.reported.v1 CloudEvent as the deviations service publishes it."""
    deviation_id = deviation_id or str(uuid.uuid4())
    data = {"version": 1, "deviation_id": deviation_id, "kind": kind, "unit_id": U.get(unit, unit),
            "category_id": None, "status": "reported", "origin": "staff", "anonymous": False,
            # the receipt due a year from today: no deadline reminder (of the worker's deadline job) joins the
            # notices and mails these tests count
            "occurred_at": None, "reported_at": "2026-05-12T08:30:00+00:00",
            "receipt_due": (today_in_sweden() + timedelta(days=365)).isoformat(),
            "investigation_due": None, "ivo_due": None, "process_step_id": None}
    event = events.DomainEvent(type="se.ordning.deviation.reported.v1", tenant=tenant, subject=deviation_id,
                               data=data, sequence=1)
    return events.serialize(events.to_cloudevent(event, "deviations"))


@dataclass
class Env(ServiceEnv):
    handlers: dict = field(default_factory=lambda: HANDLERS)

    def feed_roles(self, holders=ROLE_HOLDERS) -> None:
        for tenant, user_id, role, unit in holders:
            assert self.feed(role_event_body(tenant, user_id, role, unit)) == "processed"

    def notices_of(self, recipient: str | None = None, tenant: str | None = None) -> list:
        query = sa.select(notices).order_by(notices.c.recipient)
        if recipient is not None:
            query = query.where(notices.c.recipient == recipient)
        if tenant is not None:
            query = query.where(notices.c.tenant == tenant)
        with self.platform.engine.connect() as conn:
            return conn.execute(query).all()


@pytest.fixture
def settings(migrated_settings):
    return migrated_settings("notify")


@pytest.fixture
def env(settings):
    yield from service_env(Env, settings, create_app)
