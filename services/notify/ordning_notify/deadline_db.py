"""Tables of the deadlines and the queries they need (every query scoped by tenant, but the scheduler's claim, which
takes due deadlines of every tenant under row locks)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from ordning_shared import pagination
from ordning_shared.db import Id, UTCDateTime, insert_if_absent, write_if_newer
from ordning_shared.orgtree import unit_name_of
from ordning_shared.problems import InvalidSetting
from ordning_shared.workdays import DEFAULT_CALENDAR, WorkingCalendar

from . import deadlines as dl
from .db import metadata, tables

SETTINGS_FIELDS = frozenset({"grace_working_days", "patient_safety_roles", "patient_safety_lead_days", "version"})
tables.audit_value_fields["deadline_settings"] = SETTINGS_FIELDS  # codes and numbers: every value may be audited

# What notify knows of a case, an action or a document from its events (ids, codes and dates only).
deadline_subjects = sa.Table(
    "deadline_subjects", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("subject_type", sa.String(30), primary_key=True),
    Id(name="subject_id", primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One deadline per kind and subject; its state says how far its round got, next_fire_on when its next stage is due.
deadlines = sa.Table(
    "deadlines", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject_type", sa.String(30), nullable=False),
    Id(name="subject_id", nullable=False),
    Id(name="unit_id"),
    sa.Column("owner_id", sa.String(200)),
    sa.Column("responsible_role", sa.String(40)),
    sa.Column("link", sa.String(300), nullable=False),
    sa.Column("due_on", sa.Date),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("next_fire_on", sa.Date),
    sa.Column("reminded_on", sa.Date),
    sa.Column("escalated_on", sa.Date),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("tenant", "kind", "subject_type", "subject_id", name="uq_deadlines_subject"),
    sa.Index("ix_deadlines_next_fire_on", "next_fire_on"),
    sa.Index("ix_deadlines_tenant_state_due", "tenant", "state", "due_on"),
)

# A tenant's deadline settings; no row: the defaults (version 0).
deadline_settings = sa.Table(
    "deadline_settings", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("grace_working_days", sa.Integer, nullable=False),
    sa.Column("patient_safety_roles", sa.JSON, nullable=False),
    sa.Column("patient_safety_lead_days", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


# A copy of each tenant's working calendar, kept from the deviations service's se.ordning.working_calendar.changed.v1
# (the newest version wins); no row: the default calendar. The deadlines count working days in it.
working_calendars = sa.Table(
    "working_calendars", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("non_working_eves", sa.JSON, nullable=False),  # codes of ordning_shared.workdays.EVES
    sa.Column("extra_days_off", sa.JSON, nullable=False),  # ISO dates
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


def _dialect(conn) -> str:
    return conn.dialect.name


# --------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------

def locked_subject(conn, tenant: str, subject_type: str, subject_id: str, at: datetime) -> dl.Subject:
    """The subject's facts, its row made if new and locked for this transaction: two events of one subject
    handled at once take their turns, the second reading what the first wrote."""
    s = deadline_subjects.c
    insert_if_absent(conn, deadline_subjects, {"tenant": tenant, "subject_type": subject_type,
                                               "subject_id": subject_id, "version": 0, "facts": {},
                                               "updated_at": at})
    query = sa.select(deadline_subjects).where(s.tenant == tenant, s.subject_type == subject_type,
                                               s.subject_id == subject_id)
    if _dialect(conn) == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    return dl.Subject(tenant=tenant, type=subject_type, id=subject_id, version=row.version, facts=dict(row.facts))


def save_subject(conn, subject: dl.Subject, at: datetime) -> None:
    s = deadline_subjects.c
    conn.execute(deadline_subjects.update().where(
        s.tenant == subject.tenant, s.subject_type == subject.type, s.subject_id == subject.id,
    ).values(version=subject.version, facts=subject.facts, updated_at=at))


# --------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------

COLUMNS = ("id", "tenant", "kind", "subject_type", "subject_id", "unit_id", "owner_id", "responsible_role", "link",
           "due_on", "state", "round", "next_fire_on", "reminded_on", "escalated_on")


def deadline_from_row(row) -> dl.Deadline:
    return dl.Deadline(**{name: row._mapping[name] for name in COLUMNS})


def _values(deadline: dl.Deadline) -> dict:
    return {name: getattr(deadline, name) for name in COLUMNS}


def locked_deadlines(conn, tenant: str, subject_type: str, subject_id: str) -> dict[str, dl.Deadline]:
    """The subject's deadlines by kind, locked for this transaction (a scheduler firing one of them is waited for,
    so what is changed here is what it left)."""
    d = deadlines.c
    query = sa.select(deadlines).where(d.tenant == tenant, d.subject_type == subject_type, d.subject_id == subject_id)
    if _dialect(conn) == "postgresql":
        query = query.with_for_update()
    return {row.kind: deadline_from_row(row) for row in conn.execute(query)}


def save_deadline(conn, deadline: dl.Deadline, before: dl.Deadline | None, at: datetime) -> None:
    """Write a deadline that changed (nothing for one that did not)."""
    if before is None:
        insert_if_absent(conn, deadlines, {**_values(deadline), "created_at": at, "updated_at": at})
    elif deadline != before:
        values = _values(deadline)
        values.pop("id"), values.pop("tenant")
        conn.execute(deadlines.update().where(deadlines.c.tenant == deadline.tenant, deadlines.c.id == deadline.id)
                     .values(**values, updated_at=at))


def claim_due(conn, today: date, limit: int) -> list[dl.Deadline]:
    """Open deadlines whose next stage is due by `today`, locked for this transaction; a second scheduler skips
    the rows this one holds (FOR UPDATE SKIP LOCKED) and, once this one commits, finds them fired."""
    d = deadlines.c
    query = (sa.select(deadlines).where(d.next_fire_on <= today, d.state.in_((dl.PENDING, dl.REMINDED)))
             .order_by(d.next_fire_on, d.id).limit(limit))
    if _dialect(conn) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [deadline_from_row(row) for row in conn.execute(query)]


def waiting_deadlines(conn, tenant: str, kinds=None) -> list[dl.Deadline]:
    """The tenant's deadlines whose next stage is yet to come (their days move with the tenant's settings),
    locked for this transaction."""
    d = deadlines.c
    query = sa.select(deadlines).where(d.tenant == tenant, d.next_fire_on.is_not(None))
    if kinds is not None:
        query = query.where(d.kind.in_(kinds))
    if _dialect(conn) == "postgresql":
        query = query.with_for_update()
    return [deadline_from_row(row) for row in conn.execute(query)]


def reminded_never_escalating(conn, kind: str) -> list[dl.Deadline]:
    """Deadlines of a kind reminded with no escalation day (a reminder given when the kind did not escalate),
    locked for this transaction."""
    d = deadlines.c
    query = sa.select(deadlines).where(d.kind == kind, d.state == dl.REMINDED, d.next_fire_on.is_(None),
                                       d.reminded_on.is_not(None))
    if _dialect(conn) == "postgresql":
        query = query.with_for_update()
    return [deadline_from_row(row) for row in conn.execute(query)]


# --------------------------------------------------------------------------
# The tenants' working calendars
# --------------------------------------------------------------------------

def write_calendar(conn, tenant: str, calendar: WorkingCalendar, version: int, at: datetime) -> bool:
    """Keep the calendar if it is newer than the copy held; True when it was written."""
    return write_if_newer(conn, working_calendars, {"tenant": tenant}, {
        "non_working_eves": sorted(calendar.non_working_eves),
        "extra_days_off": [day.isoformat() for day in sorted(calendar.extra_days_off)],
        "version": version, "updated_at": at})


def tenant_calendar(conn, tenant: str) -> WorkingCalendar:
    """The tenant's working calendar as the deviations service last published it, else the default."""
    row = conn.execute(sa.select(working_calendars).where(working_calendars.c.tenant == tenant)).first()
    if row is None:
        return DEFAULT_CALENDAR
    try:
        return WorkingCalendar(frozenset(row.non_working_eves),
                               frozenset(date.fromisoformat(day) for day in row.extra_days_off))
    except (InvalidSetting, TypeError, ValueError):  # written by a newer notify that knows more eves
        return DEFAULT_CALENDAR


def tenants_known(conn) -> list[str]:
    """Every tenant the org-tree copy knows: each has its patientsäkerhetsberättelse."""
    ou = tables.org_units.c
    return list(conn.execute(sa.select(ou.tenant).distinct().order_by(ou.tenant)).scalars())


# --------------------------------------------------------------------------
# Who hears of it: holders at the very units of a chain
# --------------------------------------------------------------------------

def holders_at_units(conn, tenant: str, units: list[str], roles, day: date) -> dict[str, dict[str, list[str]]]:
    """{unit: {role: [user id, ...]}} of the holders of `roles` at exactly these units on `day`."""
    if not units:
        return {}
    rh = tables.role_holders.c
    rows = conn.execute(sa.select(rh.unit_id, rh.role, rh.user_id).where(
        rh.tenant == tenant, rh.role.in_(list(roles)), rh.unit_id.in_(units), rh.ended_at.is_(None),
        rh.valid_from <= day, sa.or_(rh.valid_to.is_(None), rh.valid_to >= day),
    ).order_by(rh.valid_from, rh.assignment_id)).all()
    found: dict[str, dict[str, list[str]]] = {}
    for unit, role, user in rows:
        found.setdefault(unit, {}).setdefault(role, []).append(user)
    return found


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

def settings_row(conn, tenant: str):
    return conn.execute(sa.select(deadline_settings).where(deadline_settings.c.tenant == tenant)).first()


def settings_of(row) -> dl.DeadlineSettings:
    if row is None:
        return dl.DEFAULT_SETTINGS
    return dl.DeadlineSettings(grace_working_days=row.grace_working_days,
                               patient_safety_roles=tuple(row.patient_safety_roles),
                               patient_safety_lead_days=row.patient_safety_lead_days, version=row.version)


def tenant_settings(conn, tenant: str) -> dl.DeadlineSettings:
    return settings_of(settings_row(conn, tenant))


def settings_values(settings: dl.DeadlineSettings) -> dict:
    return {"grace_working_days": settings.grace_working_days,
            "patient_safety_roles": list(settings.patient_safety_roles),
            "patient_safety_lead_days": settings.patient_safety_lead_days}


# --------------------------------------------------------------------------
# The read API's list
# --------------------------------------------------------------------------

SOONEST_FIRST = pagination.Sort("due_on")


@dataclass(frozen=True)
class DeadlineFilter:
    state: str = "open"  # open, overdue or all
    kind: str | None = None
    cursor: str | None = None
    limit: int = 50


def _unit_name():
    return unit_name_of(tables.org_units, deadlines)


def list_deadlines(conn, tenant: str, flt: DeadlineFilter, today: date) -> list:
    """A page of the tenant's deadlines with a due date, soonest first (limit + 1 rows: the extra one says there is
    a next page)."""
    d = deadlines.c
    query = sa.select(deadlines, _unit_name()).where(d.tenant == tenant, d.due_on.is_not(None))
    if flt.state in ("open", "overdue"):
        query = query.where(d.state.in_(dl.OPEN_STATES))
    if flt.state == "overdue":
        query = query.where(d.due_on < today)
    if flt.kind:
        query = query.where(d.kind == flt.kind)
    if flt.cursor:
        due_on, last_id = pagination.decode_cursor(flt.cursor, SOONEST_FIRST, d.due_on)
        query = query.where(pagination.after(d.due_on, d.id, SOONEST_FIRST, due_on, last_id))
    return conn.execute(query.order_by(*pagination.order_by(d.due_on, d.id, SOONEST_FIRST))
                        .limit(flt.limit + 1)).all()


def next_cursor(rows: list, limit: int) -> str | None:
    return pagination.encode_cursor(SOONEST_FIRST, rows[limit - 1].due_on, rows[limit - 1].id) \
        if len(rows) > limit else None
