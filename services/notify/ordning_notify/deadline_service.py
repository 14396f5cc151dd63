"""Use cases of the deadlines, one unit of work each: an event's facts kept and its subject's deadlines armed or
cleared (the worker's reaction, in the event's unit of work), the scheduler's job that fires the deadlines due
(safe with two worker replicas: row locks that a second one skips, and the notice's unique key), and the API's
reads and the tenant's settings."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime

from ordning_shared.auth import Principal
from ordning_shared.db import utcnow, write_versioned
from ordning_shared.events import require_source
from ordning_shared.http import require_roles
from ordning_shared.notice_kinds import label
from ordning_shared.orgtree import ancestor_ids
from ordning_shared.platform import Platform
from ordning_shared.problems import InvalidSetting, PreconditionFailed, Unprocessable
from ordning_shared.roles import holders_at_unit
from ordning_shared.scheduler import PeriodicJob
from ordning_shared.workdays import WorkingCalendar, local_date

from . import db
from . import deadline_db as ddb
from . import deadlines as dl
from . import domain as d
from . import mail

log = logging.getLogger(__name__)

FIRE_EVERY_SECONDS = 300  # due dates are whole days; five minutes bounds how late a day's reminders go out
BATCH = 50  # deadlines fired per transaction: a worker killed mid-batch loses that batch's work only, to redo
SETTINGS_ETAG_ID = "deadline-settings"  # the settings' ETag: "deadline-settings.<version>"
# The grace periods and lead times are counted in the tenant's working calendar: the Swedish public holidays and
# the tenant's non-working eves and extra days off, as the deviations service publishes them (deadline_db's copy;
# the default calendar until the tenant changes it).
CALENDAR_CHANGED = "se.ordning.working_calendar.changed.v1"


class InvalidDeadlineSettings(Unprocessable):
    code = "invalid_deadline_settings"


class StaleSettings(PreconditionFailed):
    code = "stale_etag"


# --------------------------------------------------------------------------
# The worker: an event's facts, and its subject's deadlines
# --------------------------------------------------------------------------

def copy_calendar(uow, cloudevent) -> None:
    """Keep the tenant's working calendar from se.ordning.working_calendar.changed.v1 (the newest version wins: a
    redelivered or older event changes nothing), and move the days of its deadlines still waiting for a reminder or
    an escalation to it, in the event's unit of work."""
    require_source(cloudevent, "deviations")  # the working calendar is the deviations service's
    data, tenant = cloudevent.get_data() or {}, cloudevent.get_attributes()["tenant"]
    try:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"version {version!r}")
        calendar = WorkingCalendar(frozenset(data["non_working_eves"]),
                                   frozenset(date.fromisoformat(day) for day in data["extra_days_off"]))
    except (KeyError, TypeError, ValueError, InvalidSetting) as error:
        raise ValueError(f"{CALENDAR_CHANGED} of tenant {tenant} is not a calendar: {type(error).__name__}") from None
    conn, now = uow.connection, utcnow()
    if not ddb.write_calendar(conn, tenant, calendar, version, now):
        return
    settings = ddb.tenant_settings(conn, tenant)
    for deadline in ddb.waiting_deadlines(conn, tenant):
        ddb.save_deadline(conn, dl.rescheduled(deadline, settings, calendar), deadline, now)


def track_deadlines(uow, cloudevent) -> None:
    """Keep the facts of the case, action or document the event is about, and arm, move or clear its deadlines
    (a reaction of handlers.REACTIONS, in the event's unit of work with its inbox record)."""
    event_type, data = cloudevent.get_type(), cloudevent.get_data() or {}
    if not isinstance(data, Mapping):
        return
    found = dl.subject_of_event(event_type, data)
    if found is None:
        return
    tenant, (subject_type, subject_id) = cloudevent.get_attributes()["tenant"], found
    conn, now = uow.connection, utcnow()
    subject = ddb.locked_subject(conn, tenant, subject_type, subject_id, now)
    changed = dl.apply_event(subject, event_type, data)
    if changed == subject:  # a redelivery, or an older event than the facts hold
        return
    ddb.save_subject(conn, changed, now)
    settings, calendar = ddb.tenant_settings(conn, tenant), ddb.tenant_calendar(conn, tenant)
    current = ddb.locked_deadlines(conn, tenant, subject_type, subject_id)
    link = dl.link_of(subject_type, subject_id, changed.facts)
    for wanted in dl.wanted_deadlines(changed):
        before = current.get(wanted.kind)
        after = dl.reconcile(before, wanted, tenant=tenant, subject_type=subject_type, subject_id=subject_id,
                             link=link, settings=settings, calendar=calendar)
        if after is not None:
            ddb.save_deadline(conn, after, before, now)


# --------------------------------------------------------------------------
# The scheduler: fire what is due
# --------------------------------------------------------------------------

def fire_due_deadlines(platform: Platform, now: datetime | None = None, batch: int = BATCH) -> int:
    """The worker's job: each deadline whose reminder or escalation is due by today (in Sweden) is fired once,
    a batch per transaction: its notices and its new state committed together, under row locks a second worker
    skips. Returns how many notices were given."""
    now = now or utcnow()
    today = local_date(now)
    ensure_patient_safety_deadlines(platform, today, now)
    given = 0
    while True:
        with platform.uow() as uow:
            claimed = ddb.claim_due(uow.connection, today, batch)
            tenants: dict[str, tuple[dl.DeadlineSettings, WorkingCalendar]] = {}
            for deadline in claimed:
                if deadline.tenant not in tenants:
                    tenants[deadline.tenant] = (ddb.tenant_settings(uow.connection, deadline.tenant),
                                                ddb.tenant_calendar(uow.connection, deadline.tenant))
                given += _fire(uow, deadline, today, now, *tenants[deadline.tenant])
            uow.commit()
        if len(claimed) < batch:
            return given


def _fire(uow, deadline: dl.Deadline, today: date, now: datetime, settings: dl.DeadlineSettings,
          calendar: WorkingCalendar) -> int:
    stage = dl.next_stage(deadline, today)
    if stage is None:  # nothing of it is due after all: take it off the schedule, never claim it again
        ddb.save_deadline(uow.connection, replace(deadline, next_fire_on=None), deadline, now)
        return 0
    responsible = _responsible(uow, deadline, settings, today)
    if stage == dl.REMINDER:
        kind = dl.REMINDER_NOTICES[deadline.kind]
        # nobody holds the responsible role: the level above hears of it at once rather than nobody
        recipients = responsible or _level_above(uow, deadline, today, responsible)
    else:
        kind, recipients = dl.ESCALATION_NOTICE, _level_above(uow, deadline, today, responsible)
    if not recipients:  # worth an operator's look, named by ids and codes only
        log.warning("deadline %s (%s) %s found no recipient in tenant %s", deadline.id, deadline.kind, stage,
                    deadline.tenant)
    event_id = dl.notice_event_id(deadline, stage)
    notices = [d.Notice(id=str(uuid.uuid4()), tenant=deadline.tenant, recipient=person, kind=kind,
                        unit_id=deadline.unit_id, subject_type=deadline.subject_type, subject_id=deadline.subject_id,
                        link=deadline.link, event_source=f"/ordning/{deadline.tenant}/notify", event_id=event_id,
                        created_at=now) for person in recipients]
    given = db.insert_notices(uow.connection, notices)
    # a reminder is mailed as any notice is, in the transaction that gives it
    mail.queue_mails_of_notices(uow.connection, deadline.tenant, f"/ordning/{deadline.tenant}/notify", event_id)
    ddb.save_deadline(uow.connection, dl.fired(deadline, stage, today, settings, calendar), deadline, now)
    return given


def _responsible(uow, deadline: dl.Deadline, settings: dl.DeadlineSettings, day: date) -> list[str]:
    """Who answers for the deadline: the action's owner, the role holders for the patientsäkerhetsberättelse, or
    the holders of the responsible role at the deadline's unit (or the nearest unit above it with one)."""
    conn = uow.connection
    if deadline.owner_id:
        return [deadline.owner_id]
    if deadline.kind == dl.PATIENT_SAFETY_REPORT:
        people = [person for role in settings.patient_safety_roles
                  for person in db.holders_in_tenant(conn, deadline.tenant, role, day)]
        return list(dict.fromkeys(people))
    if not deadline.unit_id or not deadline.responsible_role:
        return []
    return list(dict.fromkeys(holder.user_id for holder in holders_at_unit(
        conn, uow.tables, deadline.tenant, deadline.responsible_role, deadline.unit_id, on=day)))


def _level_above(uow, deadline: dl.Deadline, day: date, responsible: list[str]) -> list[str]:
    """The chiefs one level above the one responsible, from the org-tree and role copies; for the
    patientsäkerhetsberättelse (the tenant's, at no unit) the förvaltningschefer of the tenant."""
    conn = uow.connection
    if deadline.kind == dl.PATIENT_SAFETY_REPORT:
        people = [person for role in dl.escalation_roles("mas")
                  for person in db.holders_in_tenant(conn, deadline.tenant, role, day) if person not in responsible]
        return list(dict.fromkeys(people))
    if not deadline.unit_id or deadline.kind not in dl.ESCALATING_KINDS:
        return []
    chain = ancestor_ids(conn, uow.tables.org_units, deadline.tenant, deadline.unit_id) or [deadline.unit_id]
    roles = dl.escalation_roles(None if deadline.owner_id else deadline.responsible_role)
    holders = ddb.holders_at_units(conn, deadline.tenant, chain, roles, day)
    return dl.level_above(chain, holders, roles, exclude=frozenset(responsible))


def ensure_patient_safety_deadlines(platform: Platform, today: date, now: datetime) -> None:
    """Every known tenant's deadline for its next patientsäkerhetsberättelse, made once (the same id whichever
    worker makes it) unless the reporting service has said that one is finished already (the subject's facts,
    locked: a finished event handled at the same time waits, then clears what was made here). A year's deadline
    still open when the next year's 1 March has passed is taken off the open list (escalated long since)."""
    due_on = dl.patient_safety_due(today)
    subject_id = str(due_on.year)
    with platform.uow() as uow:
        conn = uow.connection
        for tenant in ddb.tenants_known(conn):
            subject = ddb.locked_subject(conn, tenant, dl.PATIENT_SAFETY_SUBJECT, subject_id, now)
            settings = ddb.tenant_settings(conn, tenant)
            deadline = dl.reconcile(None, dl.wanted_deadlines(subject)[0], tenant=tenant,
                                    subject_type=dl.PATIENT_SAFETY_SUBJECT, subject_id=subject_id,
                                    link=dl.link_of(dl.PATIENT_SAFETY_SUBJECT, subject_id, {}),
                                    settings=settings, calendar=ddb.tenant_calendar(conn, tenant))
            if deadline is not None:
                ddb.save_deadline(conn, deadline, None, now)
        c = ddb.deadlines.c
        conn.execute(ddb.deadlines.update().where(
            c.kind == dl.PATIENT_SAFETY_REPORT, c.due_on < date(due_on.year - 1, 3, 1), c.state != dl.CLEARED,
        ).values(state=dl.CLEARED, next_fire_on=None, updated_at=now))
        # Reminded before they escalated (a reminder given by an earlier notify): their escalation day, once.
        for before in ddb.reminded_never_escalating(conn, dl.PATIENT_SAFETY_REPORT):
            ddb.save_deadline(conn, dl.rescheduled(before, ddb.tenant_settings(conn, before.tenant),
                                                   ddb.tenant_calendar(conn, before.tenant)), before, now)
        uow.commit()


def deadline_job(platform: Platform, clock: Callable[[], datetime] = utcnow, *,
                 every_seconds: float = FIRE_EVERY_SECONDS, batch: int = BATCH) -> PeriodicJob:
    """The worker's periodic job; `clock` is the time it takes as now (tests set it, and run it more often)."""
    return PeriodicJob("deadlines", every_seconds, lambda: fire_due_deadlines(platform, now=clock(), batch=batch))


# --------------------------------------------------------------------------
# The API: the deadlines (administrators, kvalitetsutvecklare) and the tenant's settings
# --------------------------------------------------------------------------

def deadline_body(row, today: date) -> dict:
    m = row._mapping
    deadline = ddb.deadline_from_row(row)
    return {"id": m["id"], "kind": m["kind"], "kind_label": label(dl.REMINDER_NOTICES[m["kind"]]),
            "subject_type": m["subject_type"], "subject_id": m["subject_id"], "unit_id": m["unit_id"],
            "unit_name": m["unit_name"], "owner_id": m["owner_id"], "due_on": m["due_on"], "state": m["state"],
            "round": m["round"], "overdue": deadline.overdue(today), "reminded_on": m["reminded_on"],
            "escalated_on": m["escalated_on"], "link": m["link"]}


def list_deadlines(platform: Platform, principal: Principal, flt: ddb.DeadlineFilter,
                   now: datetime | None = None) -> dict:
    require_roles(principal, *dl.DEADLINE_READERS)
    today = local_date(now or utcnow())
    with platform.engine.connect() as conn:
        rows = ddb.list_deadlines(conn, principal.tenant, flt, today)
    return {"items": [deadline_body(row, today) for row in rows[:flt.limit]], "limit": flt.limit,
            "next_cursor": ddb.next_cursor(rows, flt.limit)}


def _settings_body(settings: dl.DeadlineSettings) -> dict:
    return {**ddb.settings_values(settings), "default": settings.version == 0, "version": settings.version}


def get_settings(platform: Platform, principal: Principal) -> dict:
    require_roles(principal, *dl.DEADLINE_READERS)
    with platform.engine.connect() as conn:
        return _settings_body(ddb.tenant_settings(conn, principal.tenant))


def put_settings(platform: Platform, principal: Principal, data: dict, precondition) -> dict:
    """The tenant's grace period and patientsäkerhetsberättelse reminder, with If-Match (version 0: the defaults);
    the deadlines waiting for a reminder or an escalation take their new days in the same transaction."""
    require_roles(principal, *dl.SETTINGS_WRITERS)
    try:
        settings = dl.DeadlineSettings(grace_working_days=data["grace_working_days"],
                                       patient_safety_roles=tuple(data["patient_safety_roles"]),
                                       patient_safety_lead_days=data["patient_safety_lead_days"])
    except InvalidSetting as error:
        raise InvalidDeadlineSettings(*error.args) from None
    values = ddb.settings_values(settings)
    now = utcnow()
    with platform.uow() as uow:
        conn = uow.connection
        before = ddb.settings_of(ddb.settings_row(conn, principal.tenant))
        precondition(SETTINGS_ETAG_ID, before.version)
        if not write_versioned(conn, ddb.deadline_settings, {"tenant": principal.tenant}, values, before.version):
            raise StaleSettings("Inställningarna har ändrats av någon annan; läs om dem.",
                                "The settings were changed by someone else; read them again.")
        calendar = ddb.tenant_calendar(conn, principal.tenant)
        for deadline in ddb.waiting_deadlines(conn, principal.tenant):
            ddb.save_deadline(conn, dl.rescheduled(deadline, settings, calendar), deadline, now)
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="deadline_settings",
                  entity_id=principal.tenant, before={**ddb.settings_values(before), "version": before.version},
                  after={**values, "version": before.version + 1})
        uow.commit()
    return get_settings(platform, principal)


__all__ = ["copy_calendar", "track_deadlines", "fire_due_deadlines", "ensure_patient_safety_deadlines", "deadline_job",
           "list_deadlines", "get_settings", "put_settings", "InvalidDeadlineSettings", "StaleSettings",
           "SETTINGS_ETAG_ID"]
