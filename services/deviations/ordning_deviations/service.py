"""Use cases: one function per command, one unit of work each.

The change, its audit record and its events commit together. Access: a role
acts within its org units and the units below them (the org replica); a case
the caller may not read is "not found" (its existence is never revealed), a
case they may read but not change is "forbidden".
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from ordning_shared import idempotency, processmap, readlog
from ordning_shared.actions import ActionRepository, ImprovementAction
from ordning_shared.db import utcnow, write_versioned
from ordning_shared.problems import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable
from ordning_shared.retention import pseudonymised_text

from . import code_lists as cls
from . import db
from . import domain as d

log = logging.getLogger(__name__)

ANONYMOUS = "anonymous"
AUDIT_READERS = ("kvalitetsutvecklare", "administrator", "forvaltningschef")
Precondition = Callable[[str, int], None] | None


# --------------------------------------------------------------------------
# Errors of the service layer (the platform renders each as problem+json)
# --------------------------------------------------------------------------

class UnknownUnit(Unprocessable):
    code = "unknown_unit"


class UnknownCategory(Unprocessable):
    code = "unknown_category"


class CategoryExists(Conflict):
    code = "category_exists"


class InvalidPolicy(Unprocessable):
    code = "invalid_policy"


class InvalidRetentionPolicy(Unprocessable):
    code = "invalid_retention_policy"


class InvalidCalendar(Unprocessable):
    code = "invalid_working_calendar"


class ReceiptNotFound(NotFound):
    """A reference and secret that name no receipt; one answer for every wrong part, so it reveals nothing."""
    code = "receipt_not_found"


Stale = PreconditionFailed
CALENDAR_ETAG_ID = "working-calendar"  # the calendar's ETag: "working-calendar.<version>"


def _not_found() -> NotFound:
    return NotFound("Ärendet finns inte.", "There is no such case.")


def _today(now: datetime | None = None) -> date:
    return d.local_date(now or utcnow())


# --------------------------------------------------------------------------
# Presentation (the response's shape; the API renders it with DeviationSchema)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """Whom a case is presented to: their roles and the units they act on (the subtree of their org units).

    `allowed_commands` is what this caller may do now, so that a client shows only buttons that work.
    """

    roles: frozenset[str]
    units: frozenset[str]
    hide_reporter_names: bool = False  # the tenant's case setting (issue 14)
    subject: str | None = None  # their user id: the case's assigned investigator may investigate it
    lex_policies: dict | None = None  # the tenant's own (issue 14); None or missing kinds: the defaults
    code_lists: dict | None = None  # the tenant's code lists (code_lists.py) by name; None: the defaults

    def lists(self) -> dict:
        return self.code_lists if self.code_lists is not None else cls.defaults()

    def handles(self, dev: d.Deviation) -> bool:
        """Is the caller one of the case's handlers: a handling role of its kind, on its unit?"""
        return dev.unit_id in self.units and d.is_handler(self.roles, dev.kind)

    def options(self, dev: d.Deviation, counts: dict | None) -> tuple[list[d.Command], list[d.BlockedCommand]]:
        if dev.is_lex:  # closing requires the informing as the tenant's policy says
            dev.informing_required = d.lex_policy_for(dev.kind, self.lex_policies).informing_required
        return dev.command_options(self.roles, dev.unit_id in self.units, (counts or {}).get("open", 0),
                                   investigator=_as_investigator(self.roles, self.subject, dev))


def caller_of(conn, principal) -> Caller:
    """The principal as a Caller, their scope resolved: once per request, for the reading check, the list's
    filter and the buttons alike (the recursive query over the org tree is not cheap to repeat)."""
    settings = db.case_settings_row(conn, principal.tenant)
    return Caller(frozenset(principal.roles), frozenset(db.scope_units(conn, principal.tenant, principal.org_units)),
                  hide_reporter_names=bool(settings is not None and settings.hide_reporter_names),
                  subject=principal.subject, lex_policies=db.tenant_lex_policies(conn, principal.tenant),
                  code_lists=tenant_code_lists(conn, principal.tenant))


def tenant_code_lists(conn, tenant: str) -> dict:
    """The tenant's code lists by name (code_lists.py): its own where it edited one, else the defaults."""
    return cls.code_lists(*db.code_list_rows(conn, tenant))


def present(row, counts: dict | None, today: date, caller: Caller) -> dict:
    """A case's row (db.case_select) as answered to `caller`."""
    m = row._mapping
    contact = None
    if any(m[name] for name in ("contact_name", "contact_email", "contact_phone")):
        contact = {"name": m["contact_name"], "email": m["contact_email"], "phone": m["contact_phone"]}
    dev = db.to_entity(row)
    return present_entity(dev, m["reference"], contact, counts, today, caller, unit_name=m["unit_name"],
                          reporter_name=m["reporter_name"], labels=_classification().labels(dev, m))


def _classification():
    from . import classification_service  # it builds on this module

    return classification_service


def present_entity(dev: d.Deviation, reference: str, contact: dict | None, counts: dict | None,
                   today: date, caller: Caller, *, unit_name: str | None = None,
                   reporter_name: str | None = None, labels: dict | None = None) -> dict:
    """`labels`: the classification's labels (classification_service.labels)."""
    allowed, blocked = caller.options(dev, counts)
    # Issue 14: a tenant may name reporters to the case's handlers only. Not anonymity: the case keeps its reporter.
    hidden = caller.hide_reporter_names and not caller.handles(dev)
    return {
        "id": dev.id, "reference": reference, "kind": dev.kind.value,
        "kind_label_sv": d.KIND_LABELS_SV[dev.kind], "status": dev.status.value,
        "status_label_sv": d.STATUS_LABELS_SV[dev.status], "origin": dev.origin.value,
        # Only a citizen may report anonymously; read from the origin, since gallring removes staff reporters too.
        "anonymous": dev.origin is d.Origin.citizen and contact is None,
        "unit_id": dev.unit_id, "unit_name": unit_name, "category_id": dev.category_id,
        "description": dev.description, "immediate_action": dev.immediate_action, "reported_at": dev.reported_at,
        # The name goes where the reporter goes: to whoever may read the case, while the case names a reporter.
        "reported_by": None if hidden else dev.reported_by,
        "reporter_name": reporter_name if dev.reported_by is not None and not hidden else None,
        "occurred_at": dev.occurred_at, "received_at": dev.received_at,
        "receipt_due": dev.receipt_due, "investigation_due": dev.investigation_due, "ivo_due": dev.ivo_due,
        "investigation": vars(dev.investigation),
        "seriousness": vars(dev.seriousness) if dev.seriousness else None,
        "ivo_report": vars(dev.ivo_report) if dev.ivo_report else None,
        "closed_at": dev.closed_at, "pseudonymised_at": dev.pseudonymised_at,
        "rejection": _rejection_view(dev.rejection), "possible_elsewhere": dev.possible_elsewhere,
        "possible_elsewhere_flagged_at": dev.possible_elsewhere_flagged_at, "contact": contact, "version": dev.version,
        "process_step_id": dev.process_step_id,
        "investigator_id": dev.investigator_id, "involved_unit_id": dev.involved_unit_id,
        "duplicate_of_id": dev.duplicate_of_id,
        "close_as_duplicate": dev.close_as_duplicate_option(caller.roles, dev.unit_id in caller.units,
                                                            (counts or {}).get("open", 0)),
        "overdue": dev.overdue(today),
        "allowed_commands": [c.value for c in allowed],
        "blocked_commands": [{"command": b.command.value, "code": b.code, "reason": b.reason} for b in blocked],
        "actions": counts or {"total": 0, "open": 0, "overdue": 0},
        "event_type": dev.event_type, "consequence_score": dev.consequence_score,
        "consequence_matrix_version": dev.consequence_matrix_version, "place_id": dev.place_id,
        **{"event_type_label": None, "event_type_retired": None, "place_name": None, "consequence_label": None,
           **(labels or {})},
        **ivo_steps_view(dev, caller),
        **_complaint_view(dev, caller.lists()), "reporter_hidden": hidden,
        **_lex_view(dev, caller),
    }


def ivo_steps_view(dev: d.Deviation, caller: Caller) -> dict:
    """The IVO steps as answered; the händelseanalys's participants (personal data) only to the kind's readers,
    not to a reporter who reads their own case."""
    analysis, lists = None, caller.lists()
    if dev.event_analysis is not None:
        a = dev.event_analysis
        readers = bool(caller.roles & d.READERS[dev.kind])
        analysis = {"method": d.code_value(a.method), "method_label_sv": lists["analysis_methods"].label(a.method),
                    "completed_on": a.completed_on,
                    "participants": [vars(p) for p in a.participants] if readers else None,
                    "root_causes": [{"id": c.id, "category": d.code_value(c.category),
                                     "category_label_sv": lists["root_cause_categories"].label(c.category),
                                     "text": c.text, "action_ids": list(c.action_ids)} for c in a.root_causes]}
    decision, follow_up = dev.ivo_decision, dev.provider_follow_up
    return {
        "external_provider": dev.external_provider,
        "ivo_supplements": [vars(s) for s in dev.ivo_supplements],
        "ivo_decision": None if decision is None else {
            "decided_on": decision.decided_on, "outcome": d.code_value(decision.outcome),
            "outcome_label_sv": lists["ivo_decision_outcomes"].label(decision.outcome),
            "reference": decision.reference},
        "event_analysis": analysis,
        "provider_report": vars(dev.provider_report) if dev.provider_report else None,
        "provider_follow_up": None if follow_up is None else {
            "followed_up_on": follow_up.followed_up_on, "by": follow_up.by, "assessment": follow_up.assessment,
            "outcome": d.code_value(follow_up.outcome),
            "outcome_label_sv": lists["follow_up_outcomes"].label(follow_up.outcome)},
    }


def _complaint_view(dev: d.Deviation, lists: dict) -> dict:
    """Issue 14's fields of a case: the complainant's codes (their contact details: GET .../complainant), the
    answer and its deadline, the feedback sentence for the reporter. Labels: the tenant's `lists`."""
    answer, channels = None, lists["contact_channels"]
    if dev.answer is not None:
        answer = {"answered_on": dev.answer.answered_on, "channel": d.code_value(dev.answer.channel),
                  "channel_label_sv": channels.label(dev.answer.channel), "answered_by": dev.answer.answered_by}
    return {
        "complainant_relation": d.code_value(dev.complainant_relation),
        "complainant_relation_label_sv": lists["complainant_relations"].label(dev.complainant_relation),
        "complaint_channel": d.code_value(dev.complaint_channel),
        "complaint_channel_label_sv": channels.label(dev.complaint_channel),
        "answer_due": dev.answer_due, "answer": answer,
        "reporter_feedback": dev.reporter_feedback, "reporter_feedback_at": dev.reporter_feedback_at,
    }


def _rejection_view(rejection: d.Rejection | None) -> dict | None:
    if rejection is None:
        return None
    return {"reason": rejection.reason.value, "reason_label_sv": d.REJECTION_REASON_LABELS_SV[rejection.reason],
            "duplicate_of": rejection.duplicate_of, "note": rejection.note, "rejected_at": rejection.rejected_at}


def _snapshot(dev: d.Deviation) -> dict:
    return db.entity_values(dev)


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------

def _in_scope(conn, principal, unit_id: str) -> bool:
    return unit_id in db.scope_units(conn, principal.tenant, principal.org_units)


def _can_read(conn, principal, dev: d.Deviation, caller: Caller | None = None) -> bool:
    """`caller`: the principal's scope if already resolved in this request."""
    roles = set(principal.roles)
    if principal.subject in dev.involved_staff:  # issue 14: a party to the case does not see it
        return False
    # Since issue 14 the reporter who is not a reader of the case sees it only through its feedback view; the
    # readers of its involved unit and its assigned investigator read it (casework).
    if roles & d.READERS[dev.kind] and (dev.unit_id in caller.units if caller is not None
                                        else _in_scope(conn, principal, dev.unit_id)):
        return True
    return bool(_reads_by_casework(conn, principal, dev, caller))


def _load(uow, principal, deviation_id: str, command: str | None = None, lock: bool | None = None):
    """The case (row, entity) if the principal may read it (else 404) and run `command` on it (else 403).

    A command locks the case's row first: closing it counts its open actions, and adding or reopening an
    action checks that it is not closed; taking turns, neither can act on what the other is changing.
    """
    lock = command is not None if lock is None else lock
    row, dev = _readable(uow.connection, principal, db.get_row(uow.connection, principal.tenant, deviation_id,
                                                               lock=lock))
    if command is not None:
        if not ((d.may(principal.roles, command, dev.kind) and _in_scope(uow.connection, principal, dev.unit_id))
                or (command in d.INVESTIGATOR_COMMANDS and _as_investigator(principal.roles, principal.subject, dev))):
            raise Forbidden(f"Din roll får inte göra detta ({command}) på ett ärende av typen "
                            f"{d.KIND_LABELS_SV[dev.kind]}.", f"Your roles do not allow {command} on a "
                            f"{dev.kind.value} case.")
        dev._guard_not_pseudonymised()  # every command, the improvement actions' included
    return row, dev


def _readable(conn, principal, row, caller: Caller | None = None):
    """(row, entity) of a case's row (None: no such case) if the principal may read it, else 404."""
    if row is None:
        raise _not_found()
    dev = db.to_entity(row)
    dev.involved_staff = db.involved_staff_of(conn, dev.tenant, dev.id)
    if not _can_read(conn, principal, dev, caller):
        raise _not_found()
    return row, dev


def _save(uow, principal, dev: d.Deviation, before: dict, expected_version: int, action: str) -> None:
    if not db.update(uow.connection, dev, expected_version):
        raise Stale("Ärendet har ändrats av någon annan; läs om det.",
                    "The case was changed by someone else; read it again.")
    for event in dev.events:
        uow.add_event(event)
    dev.events.clear()
    uow.audit(tenant=dev.tenant, actor=principal.subject, action=action, entity_type="deviation",
              entity_id=dev.id, before=before, after=_snapshot(dev))


def _command(platform, principal, deviation_id: str, permission: str, action: str,
             change: Callable[[object, d.Deviation], None], precondition: Precondition):
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id, permission)
        if precondition is not None:
            precondition(dev.id, dev.version)
        before, expected = _snapshot(dev), dev.version
        change(uow, dev)
        if dev.version == expected and not dev.events:
            return dev  # nothing changed: nothing to write
        _save(uow, principal, dev, before, expected, action)
        uow.commit()
    return dev


def _check_unit(conn, tenant: str, unit_id: str):
    unit = db.open_unit(conn, tenant, unit_id)
    if unit is None:
        raise _unknown_unit(unit_id)
    return unit


def _process_step(conn, tenant: str, step_id: str | None, current: str | None = None) -> str | None:
    """The process step a report or a PATCH names, as the process map spells it (lower case), once the copy of
    the map (ordning_shared.processmap) knows it as a step of an established process of the tenant; else 422
    unknown_process_step. None (or blank) removes the link. The step the case names already passes unchecked: a
    link is kept whatever became of its step."""
    if step_id is None or not step_id.strip():
        return step_id
    step_id = step_id.lower()
    if step_id != (current or "").lower() and processmap.unknown_step_ids(conn, db.tables, tenant, [step_id]):
        raise processmap.UnknownProcessStep(step_id)
    return step_id


def _unknown_unit(unit_id: str) -> Unprocessable:
    return UnknownUnit(f"Enheten {unit_id} är okänd eller stängd.", f"The unit {unit_id} is unknown or closed.")


def _check_category(conn, tenant: str, category_id: str | None, kind: d.Kind) -> None:
    if category_id:
        _require_category(db.category_row(conn, tenant, category_id), category_id, kind)


def _require_category(row, category_id: str | None, kind: d.Kind) -> None:
    """`row` is the category `category_id` as read from the tenant's categories (None: not found)."""
    if not category_id:
        return
    if row is None or not row.active or (row.kinds and kind.value not in row.kinds):
        raise UnknownCategory(f"Kategorin {category_id} är okänd för typen {d.KIND_LABELS_SV[kind]}.",
                              f"The category {category_id} is unknown for {kind.value}.")


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

REPORTER_NAME_MAX = 200  # db.deviations.reporter_name


def display_name(principal) -> str | None:
    """The reporter's display name to keep with the case: the token's name claim on one line, without control,
    format or lone surrogate characters, bounded; None if nothing is left."""
    name = " ".join("".join(ch for ch in principal.name if ch.isprintable() or ch.isspace()).split())
    return name[:REPORTER_NAME_MAX].strip() or None


def report_deviation(platform, principal, data: dict, claim=None, now: datetime | None = None) -> dict:
    """A member of staff reports a case in one request; returns the new case as presented."""
    now = now or utcnow()
    kind = d.Kind(data["kind"])
    if not d.may(principal.roles, "report", kind):
        raise Forbidden("Din roll får inte anmäla ärenden.", "Your roles do not allow reporting.")
    with platform.uow() as uow:
        conn = uow.connection
        year = d.local_date(now).year
        context = db.report_context(conn, principal.tenant, data["unit_id"], principal.org_units, kind,
                                    data.get("category_id"), year)
        if context is None:
            raise _unknown_unit(data["unit_id"])
        if not context.in_scope:
            raise Forbidden("Enheten ligger utanför dina enheter.", "The unit is outside your org units.")
        _require_category(context.category, data.get("category_id"), kind)
        step_id = _process_step(conn, principal.tenant, data.get("process_step_id"))
        classified = _classification().check_report(conn, principal.tenant, data)
        dev = d.Deviation.report(
            tenant=principal.tenant, kind=kind, unit_id=data["unit_id"], description=data["description"],
            reported_at=now, reported_by=principal.subject, origin=d.Origin.staff,
            category_id=data.get("category_id"), occurred_at=data.get("occurred_at"),
            immediate_action=data.get("immediate_action"), policy=context.policy, calendar=context.calendar,
            id=str(uuid.uuid4()), process_step_id=step_id, event_type=classified["event_type"],
            place_id=classified["place_id"],
            involved_unit_id=_involved_unit(conn, principal.tenant, data.get("involved_unit_id")))
        reference = (db.reference(year, context.reference_number) if context.reference_number is not None
                     else db.next_reference(conn, principal.tenant, year))
        name = display_name(principal)
        uow.insert_on_commit(db.deviations, db.new_row(dev, reference=reference, reporter_name=name))
        for event in dev.events:
            uow.add_event(event)
        uow.audit(tenant=dev.tenant, actor=principal.subject, action="report", entity_type="deviation",
                  entity_id=dev.id, after=_snapshot(dev))
        idempotency.record(claim, uow, dev.id)
        uow.commit()
    # The reporter acts on the unit reported to (the report was refused otherwise).
    caller = Caller(frozenset(principal.roles), frozenset({dev.unit_id}))
    return present_entity(dev, reference, None, None, _today(now), caller, unit_name=context.unit_name,
                          reporter_name=name, labels=_classification().labels(dev, classified))


def submit_public_feedback(platform, tenant: str, data: dict, claim=None, now: datetime | None = None) -> dict:
    """A citizen's klagomål or synpunkt through the public form (anonymous if they wish); returns the receipt,
    with its secret (shown this once, stored as a hash) and, for the caller only, `deviation_id`."""
    now = now or utcnow()
    with platform.uow() as uow:
        conn = uow.connection
        if not db.tenant_known(conn, tenant):
            raise NotFound("Kommunen är okänd.", "The municipality is unknown.")
        _check_unit(conn, tenant, data["unit_id"])
        kind = d.Kind(data["kind"])
        policy = d.policy_for(kind, db.tenant_policies(conn, tenant))
        anonymous = bool(data["anonymous"])
        contact = None if anonymous else {k: v for k, v in (data.get("contact") or {}).items() if v}
        dev = d.Deviation.report(
            tenant=tenant, kind=kind, unit_id=data["unit_id"], description=data["description"],
            reported_at=now, reported_by=None, origin=d.Origin.citizen, policy=policy,
            calendar=db.tenant_calendar(conn, tenant), id=str(uuid.uuid4()), anonymous=not contact)
        reference = db.next_reference(conn, tenant, d.local_date(now).year)
        promised_by = answer_promised_by(conn, tenant, now)
        uow.insert_on_commit(db.deviations, {**db.new_row(dev, reference=reference, contact=contact),
                                             "answer_promised_by": promised_by})
        secret = new_receipt_secret()
        uow.insert_on_commit(db.receipt_secrets, {"tenant": tenant, "deviation_id": dev.id,
                                                  "secret_hash": receipt_secret_hash(secret)})
        for event in dev.events:
            uow.add_event(event)
        uow.audit(tenant=tenant, actor=ANONYMOUS, action="report", entity_type="deviation", entity_id=dev.id,
                  after=_snapshot(dev))
        idempotency.record(claim, uow, dev.id)
        uow.commit()
    return {**_receipt(reference, now, dev.receipt_due, promised_by, named=bool(contact), secret=secret),
            "deviation_id": dev.id}


def receipt(platform, tenant: str, deviation_id: str) -> dict:
    """The receipt again, for a retry with the same Idempotency-Key: the first answer was lost, and its secret
    with it (only a hash is kept), so the receipt gets a new secret and the lost one stops working."""
    secret = new_receipt_secret()
    with platform.uow() as uow:
        row = db.get_row(uow.connection, tenant, deviation_id)
        if row is None or not db.replace_receipt_secret(uow.connection, tenant, deviation_id,
                                                        receipt_secret_hash(secret)):
            raise _not_found()
        uow.commit()
    named = bool(row.contact_email or row.contact_phone or row.contact_name)
    return _receipt(row.reference, row.reported_at, row.receipt_due, row.answer_promised_by, named, secret)


def decoy_receipt(kind: str, now: datetime | None = None) -> dict:
    """A receipt shaped like a real one for a robot caught by the honeypot: nothing stored, no number used."""
    now = now or utcnow()
    receipt_due, _answer_due, _ivo = d.DEFAULT_DEADLINES[d.Kind(kind)].due_dates(d.local_date(now))
    reference = db.reference(d.local_date(now).year, secrets.randbelow(999_999) + 1)
    # The default case settings promise no answer date (issue 14), as most municipalities' receipts then say.
    return _receipt(reference, now, receipt_due, None, named=False, secret=new_receipt_secret())


def new_receipt_secret() -> str:
    """A receipt's secret: 192 random bits, 32 URL-safe characters (nothing to guess, nothing to brute-force)."""
    return secrets.token_urlsafe(24)


def receipt_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_NO_RECEIPT_HASH = receipt_secret_hash("")  # compared with when no receipt matched, so both take the same time


def feedback_status(platform, tenant: str, reference: str, secret: str) -> dict:
    """A receipt's holder asks how their case goes: its status and dates, nothing else (no text, no unit, no
    person). A wrong tenant, reference or secret is the same 404; the secret is compared in constant time."""
    given = receipt_secret_hash(secret)
    with platform.engine.connect() as conn:
        row = db.receipt_status_row(conn, tenant, reference) if len(tenant) <= 16 else None
    matches = hmac.compare_digest(given, row.secret_hash if row is not None else _NO_RECEIPT_HASH)
    if row is None or not matches:
        raise ReceiptNotFound("Det finns inget ärende med det numret och den koden.",
                              "There is no case with that reference and secret.")
    status = d.Status(row.status)
    return {"reference": row.reference, "status": status.value, "status_label_sv": d.STATUS_LABELS_SV[status],
            "received_at": row.reported_at, "receipt_due": row.receipt_due, "answer_due": row.answer_promised_by,
            "closed_at": row.closed_at if status is d.Status.closed else
            row.rejected_at if status is d.Status.rejected else None}


def _receipt(reference: str, received_at: datetime, receipt_due: date, answer_due: date | None, named: bool,
             secret: str) -> dict:
    """`answer_due`: the answer date the tenant's case settings promise (issue 14); None: no answer date promised."""
    message = f"Tack! Ditt ärende har nummer {reference}. Vi tar emot det senast {receipt_due}"
    message += f" och besvarar det senast {answer_due}." if answer_due is not None else "."
    if not named:
        message += " Du har lämnat det anonymt, så vi kan inte svara dig direkt."
    message += (" Spara numret och koden på kvittot: med dem kan du se hur ärendet går. Koden visas bara nu.")
    return {"reference": reference, "received_at": received_at, "receipt_due": receipt_due,
            "answer_due": answer_due, "answer_promised": answer_due is not None, "message_sv": message,
            "secret": secret}


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def read_deviation(platform, principal, deviation_id: str, now: datetime | None = None) -> dict:
    """One case; a read of a lex Sarah / lex Maria case is written to the read log before it is answered."""
    return _read(platform, principal, lambda conn: db.get_row(conn, principal.tenant, deviation_id), now)


def read_deviation_by_reference(platform, principal, reference: str, now: datetime | None = None) -> dict:
    """One case by its reference number in the principal's tenant, answered and logged as read_deviation."""
    if not re.fullmatch(d.REFERENCE_PATTERN, reference):
        raise _not_found()  # no case has it; nothing to ask the database
    return _read(platform, principal, lambda conn: db.row_by_reference(conn, principal.tenant, reference), now)


def _read(platform, principal, find: Callable, now: datetime | None) -> dict:
    with platform.uow() as uow:
        caller = caller_of(uow.connection, principal)
        row, dev = _readable(uow.connection, principal, find(uow.connection), caller)
        if dev.is_lex:
            _log_reads(uow, principal, [dev.id], readlog.READ)
        today = _today(now)
        counts = db.action_counts(uow.connection, dev.tenant, [dev.id], today)
        return _with_decision(uow.connection, principal, dev, _with_casework(
            uow.connection, principal, caller, present(row, counts[dev.id], today, caller)))


def _log_reads(uow, principal, deviation_ids: list[str], how: str) -> None:
    uow.log_reads(tenant=principal.tenant, actor=principal.subject, entity_type="deviation",
                  entity_ids=deviation_ids, how=how)
    uow.commit()


def view(platform, principal, deviation_id: str, now: datetime | None = None) -> dict:
    """The case after a change by this principal (not a read to audit: the change itself is audited)."""
    with platform.engine.connect() as conn:
        row = db.get_row(conn, principal.tenant, deviation_id)
        if row is None:
            raise _not_found()
        today = _today(now)
        caller = caller_of(conn, principal)
        dev = db.to_entity(row)
        dev.involved_staff = db.involved_staff_of(conn, dev.tenant, dev.id)
        return _with_decision(conn, principal, dev, _with_casework(conn, principal, caller, present(
            row, db.action_counts(conn, principal.tenant, [row.id], today)[row.id], today, caller)))


def present_summary(row, today: date) -> dict:
    """A case's row as a list shows it (view=summary): no text, no actions' counts, no commands, so that a page
    of many cases needs neither the actions query nor the command rules per case."""
    m = row._mapping
    dev = db.to_entity(row)
    return {"id": dev.id, "reference": m["reference"], "kind": dev.kind.value,
            "kind_label_sv": d.KIND_LABELS_SV[dev.kind], "status": dev.status.value,
            "status_label_sv": d.STATUS_LABELS_SV[dev.status], "unit_id": dev.unit_id, "unit_name": m["unit_name"],
            "reported_at": dev.reported_at, "receipt_due": dev.receipt_due,
            "investigation_due": dev.investigation_due, "ivo_due": dev.ivo_due, "overdue": dev.overdue(today),
            "version": dev.version, "answer_due": dev.answer_due}


def list_deviations(platform, principal, flt: db.ListFilter, now: datetime | None = None,
                    view: str = "full") -> dict:
    """A page of the cases the principal may read, whole or as list rows (view summary); lex cases on the page
    go to the read log either way."""
    today = _today(now)
    with platform.uow() as uow:
        caller = caller_of(uow.connection, principal)
        page = db.list_rows(uow.connection, principal, caller.units, flt, today)
        lex = [r.id for r in page.rows if d.Kind(r.kind) in d.LEX_KINDS]
        if lex:
            _log_reads(uow, principal, lex, readlog.LIST)
        if view == "summary":
            items = [present_summary(r, today) for r in page.rows]
        else:
            counts = db.action_counts(uow.connection, principal.tenant, [r.id for r in page.rows], today)
            items = [present(r, counts[r.id], today, caller) for r in page.rows]
    return {"items": items, "total": page.total, "limit": flt.limit, "offset": flt.offset,
            "next_cursor": page.next_cursor}


def audit_trail(platform, principal, deviation_id: str) -> list[dict]:
    """The case's audit trail and its actions': for who may read the case and holds an audit-reader role."""
    with platform.uow() as uow:
        conn = uow.connection
        _row, dev = _load(uow, principal, deviation_id)
        if not principal.has_any(*AUDIT_READERS):
            raise Forbidden("Granskningsloggen kräver rollen kvalitetsutvecklare, administratör eller "
                            "förvaltningschef.", "The audit trail needs one of the roles "
                            + ", ".join(AUDIT_READERS) + ".")
        entries = list(db.audit_rows(conn, principal.tenant, "deviation", dev.id))
        a = db.actions.c
        action_ids = conn.execute(sa.select(a.id).where(a.tenant == principal.tenant, a.origin_type == db.ORIGIN_TYPE,
                                                        a.origin_id == dev.id)).scalars().all()
        for action_id in action_ids:
            entries.extend(db.audit_rows(conn, principal.tenant, "improvement_action", action_id))
        if dev.is_lex:
            _log_reads(uow, principal, [dev.id], readlog.AUDIT)
    entries.sort(key=lambda e: e.id)
    return [dict(e._mapping) for e in entries]


# --------------------------------------------------------------------------
# Handling
# --------------------------------------------------------------------------

def transition(platform, principal, deviation_id: str, command: str, precondition: Precondition = None,
               now: datetime | None = None, rejection: dict | None = None) -> d.Deviation:
    """Run a state-machine command; `reject` takes `rejection` ({reason, duplicate_of, note})."""
    now = now or utcnow()
    command = d.Command(command)

    def change(uow, dev):
        if command is d.Command.close:
            if dev.is_lex:  # issue 14: the tenant's policy says whether closing requires the informing
                dev.informing_required = d.lex_policy_for(
                    dev.kind, db.tenant_lex_policies(uow.connection, dev.tenant)).informing_required
            dev.close(by=principal.subject, at=now,
                      open_action_count=db.open_action_count(uow.connection, dev.tenant, dev.id))
        elif command is d.Command.reject:
            rejection_ = rejection or {}
            duplicate_of = rejection_.get("duplicate_of")
            master_id = db.id_by_reference(uow.connection, dev.tenant, duplicate_of) if duplicate_of else None
            if duplicate_of and master_id in (None, dev.id):
                raise d.InvalidRejection(f"Fältet duplicate_of måste vara ett annat ärendes nummer, inte "
                                         f"{duplicate_of}.", f"The field duplicate_of must be the reference of "
                                         f"another case, not {duplicate_of}.")
            dev.reject(by=principal.subject, at=now, reason=rejection_.get("reason"),
                       open_action_count=db.open_action_count(uow.connection, dev.tenant, dev.id),
                       duplicate_of=duplicate_of, note=rejection_.get("note"), duplicate_of_id=master_id,
                       duplicate_count=db.duplicate_count(uow.connection, dev.tenant, dev.id))
        else:
            getattr(dev, command.value)(by=principal.subject, at=now)

    return _command(platform, principal, deviation_id, command.value, command.value, change, precondition)


def update_investigation(platform, principal, deviation_id: str, data: dict,
                         precondition: Precondition = None) -> d.Deviation:
    def change(uow, dev):
        dev.update_investigation(what_happened=data.get("what_happened"), why=data.get("why"),
                                 what_must_change=data.get("what_must_change"))

    return _command(platform, principal, deviation_id, "update_investigation", "update_investigation",
                    change, precondition)


def decide_seriousness(platform, principal, deviation_id: str, serious: bool | None,
                       precondition: Precondition = None, now: datetime | None = None, outcome: str | None = None,
                       motivering: str | None = None) -> d.Deviation:
    """The lex decision, by whom the tenant's delegation names (issue 14: lex_policies, the role copy), not jävig;
    it records the outcome, the motivering and the delegation reference."""
    now = now or utcnow()
    with platform.uow() as uow:
        conn = uow.connection
        _row, dev = _load(uow, principal, deviation_id, lock=True)
        dev._guard_not_pseudonymised()
        policy = d.lex_policy_for(dev.kind, db.tenant_lex_policies(conn, dev.tenant))
        if policy is not None and not holds_delegation(conn, principal, dev, policy):
            raise NotDelegated(
                f"Beslutet fattas av den som delegationen anger ({', '.join(sorted(policy.decider_roles))}); "
                f"det har du inte för ärendets enhet.",
                f"The decision is made by whom the delegation names ({', '.join(sorted(policy.decider_roles))}) "
                f"for the case's unit; you are not delegated.")
        if policy is None and not d.may(principal.roles, "decide_seriousness", dev.kind):
            raise Forbidden(f"Din roll får inte besluta om allvarlighetsgrad för {d.KIND_LABELS_SV[dev.kind]}.",
                            f"Your roles do not allow deciding seriousness on a {dev.kind.value} case.")
        if precondition is not None:
            precondition(dev.id, dev.version)
        before, expected = _snapshot(dev), dev.version
        dev.decide_seriousness(serious, decided_by=principal.subject, decided_at=now,
                               policy=db.tenant_policies(conn, dev.tenant).get(dev.kind), outcome=outcome,
                               motivering=motivering,
                               delegation_reference=policy.delegation_reference if policy else None,
                               outcomes=_choices(conn, dev, cls.OUTCOME_LISTS[dev.kind],
                                                 dev.seriousness.outcome if dev.seriousness else None)
                               if dev.kind in cls.OUTCOME_LISTS else None)
        _save(uow, principal, dev, before, expected, "decide_seriousness")
        uow.commit()
    return dev


def record_ivo_report(platform, principal, deviation_id: str, reported_on: date, reference: str,
                      precondition: Precondition = None, now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.record_ivo_report(reported_on, reference, by=principal.subject, today=_today(now))

    return _command(platform, principal, deviation_id, "record_ivo_report", "record_ivo_report",
                    change, precondition)


# ---- the IVO steps after the report, the händelseanalys and an external provider's report (issue 14) ----------

def request_ivo_supplement(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                           now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.request_ivo_supplement(data["requested_on"], data["request"], data.get("due_on"), today=_today(now))

    return _command(platform, principal, deviation_id, "record_ivo_steps", "request_ivo_supplement", change,
                    precondition)


def answer_ivo_supplement(platform, principal, deviation_id: str, supplement_id: str, data: dict,
                          precondition: Precondition = None, now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.answer_ivo_supplement(supplement_id, data["answered_on"], today=_today(now))

    return _command(platform, principal, deviation_id, "record_ivo_steps", "answer_ivo_supplement", change,
                    precondition)


def record_ivo_decision(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                        now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.record_ivo_decision(data["decided_on"], data["outcome"], data.get("reference"), today=_today(now),
                                outcomes=_choices(uow.connection, dev, "ivo_decision_outcomes"))

    return _command(platform, principal, deviation_id, "record_ivo_steps", "record_ivo_decision", change,
                    precondition)


def record_event_analysis(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                          now: datetime | None = None) -> d.Deviation:
    """The händelseanalys, whole; its root causes link only to the case's own improvement actions."""
    def change(uow, dev):
        a = db.actions.c
        action_ids = uow.connection.execute(sa.select(a.id).where(
            a.tenant == dev.tenant, a.origin_type == db.ORIGIN_TYPE, a.origin_id == dev.id)).scalars().all()
        dev.record_event_analysis(data["method"], data.get("participants") or [], data.get("root_causes") or [],
                                  data.get("completed_on"), today=_today(now), action_ids=[str(i) for i in action_ids],
                                  methods=_choices(uow.connection, dev, "analysis_methods"),
                                  categories=_choices(uow.connection, dev, "root_cause_categories"))

    return _command(platform, principal, deviation_id, "record_event_analysis", "record_event_analysis", change,
                    precondition)


def record_provider_report(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                           now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.record_provider_report(data["reported_on"], data.get("reference"), today=_today(now))

    return _command(platform, principal, deviation_id, "record_ivo_steps", "record_provider_report", change,
                    precondition)


def follow_up_provider_report(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                              now: datetime | None = None) -> d.Deviation:
    def change(uow, dev):
        dev.follow_up_provider_report(data["followed_up_on"], principal.subject, data["assessment"], data["outcome"],
                                      today=_today(now), outcomes=_choices(uow.connection, dev, "follow_up_outcomes"))

    return _command(platform, principal, deviation_id, "record_ivo_steps", "follow_up_provider_report", change,
                    precondition)


def change_case(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None) -> d.Deviation:
    """PATCH: category (change_category) and/or unit (reassign_unit, target within the actor's scope)."""
    with platform.uow() as uow:
        conn = uow.connection
        _row, dev = _load(uow, principal, deviation_id, lock=True)
        if "category_id" in data:
            _load(uow, principal, deviation_id, "change_category")
        if "unit_id" in data:
            _load(uow, principal, deviation_id, "reassign_unit")
        if "process_step_id" in data:  # who may classify a case may name its process step
            _load(uow, principal, deviation_id, "change_category")
        if "involved_unit_id" in data:
            _load(uow, principal, deviation_id, "change_involved_unit")
        if precondition is not None:
            precondition(dev.id, dev.version)
        before, expected = _snapshot(dev), dev.version
        if "category_id" in data:
            _check_category(conn, dev.tenant, data["category_id"], dev.kind)
            dev.change_category(data["category_id"])
        if "process_step_id" in data:
            dev.link_process_step(_process_step(conn, dev.tenant, data["process_step_id"], dev.process_step_id))
        if "involved_unit_id" in data and data["involved_unit_id"] != dev.involved_unit_id:
            dev.change_involved_unit(_involved_unit(conn, dev.tenant, data["involved_unit_id"]))
        if "unit_id" in data and data["unit_id"] != dev.unit_id:
            _check_unit(conn, dev.tenant, data["unit_id"])
            if not _in_scope(conn, principal, data["unit_id"]):
                raise Forbidden("Enheten ligger utanför dina enheter.", "The target unit is outside your org units.")
            dev.reassign_unit(data["unit_id"])
            # The case's open actions follow it to its new unit (an action.updated event carries the new
            # unit); finished ones stay where they were done.
            repo = ActionRepository(uow, db.actions)
            for action in repo.for_origin(dev.tenant, db.ORIGIN_TYPE, dev.id):
                if action.is_open:
                    expected_action = action.version
                    action.move_to_unit(dev.unit_id)
                    repo.save(action, expected_action)
        if dev.version == expected and not dev.events:
            return dev
        _save(uow, principal, dev, before, expected, "change")
        uow.commit()
    return dev


# --------------------------------------------------------------------------
# Improvement actions of a case
# --------------------------------------------------------------------------

def list_actions(platform, principal, deviation_id: str, now: datetime | None = None) -> list[dict]:
    today = _today(now)
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id)
        actions = ActionRepository(uow, db.actions).for_origin(dev.tenant, db.ORIGIN_TYPE, dev.id)
        return [action_view(a, today) for a in actions]


def list_owned_actions(platform, principal, flt: db.OwnedActionFilter, now: datetime | None = None) -> dict:
    """A page of an owner's improvement actions across the cases the principal may read, by due date."""
    today = _today(now)
    with platform.uow() as uow:
        scope = caller_of(uow.connection, principal).units
        page = db.owned_action_rows(uow.connection, principal, scope, flt)
        repository = ActionRepository(uow, db.actions)
        items = [{**action_view(repository._from_row(row), today), "reference": row.reference,
                  "unit_name": row.unit_name} for row in page.rows]
    return {"items": items, "total": page.total, "limit": flt.limit, "offset": flt.offset,
            "next_cursor": page.next_cursor}


def action_view(action: ImprovementAction, today: date | None = None) -> dict:
    values = {name: getattr(action, name) for name in ActionRepository.COLUMNS}
    values["overdue"] = action.is_overdue(today or _today())
    return values


def get_action(platform, principal, deviation_id: str, action_id: str) -> ImprovementAction:
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id)
        action = ActionRepository(uow, db.actions).get(dev.tenant, action_id, db.ORIGIN_TYPE, dev.id)
        if action is None:
            raise NotFound("Åtgärden finns inte.", "There is no such action.")
        return action


def add_action(platform, principal, deviation_id: str, data: dict, claim=None,
               now: datetime | None = None) -> str:
    now = now or utcnow()
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id, "manage_actions")
        dev._guard_not_closed()
        action = ImprovementAction.create(
            tenant=dev.tenant, origin_type=db.ORIGIN_TYPE, origin_id=dev.id, unit_id=dev.unit_id,
            title=data["title"], owner=data["owner"], due_date=data["due_date"],
            description=data.get("description", ""), at=now)
        ActionRepository(uow, db.actions).add(action)
        uow.audit(tenant=dev.tenant, actor=principal.subject, action="create", entity_type="improvement_action",
                  entity_id=action.id, after=action_view(action, _today(now)))
        idempotency.record(claim, uow, action.id)
        uow.commit()
    return action.id


def _action_command(platform, principal, deviation_id, action_id, precondition, change, audit_action):
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id, "manage_actions")
        repo = ActionRepository(uow, db.actions)
        action = repo.get(dev.tenant, action_id, db.ORIGIN_TYPE, dev.id)
        if action is None:
            raise NotFound("Åtgärden finns inte.", "There is no such action.")
        if precondition is not None:
            precondition(action.id, action.version)
        dev._guard_not_closed()
        before, expected = action_view(action), action.version
        change(action)
        repo.save(action, expected)
        uow.audit(tenant=dev.tenant, actor=principal.subject, action=audit_action,
                  entity_type="improvement_action", entity_id=action.id, before=before, after=action_view(action))
        uow.commit()
    return action


def update_action(platform, principal, deviation_id: str, action_id: str, data: dict,
                  precondition: Precondition = None) -> ImprovementAction:
    return _action_command(platform, principal, deviation_id, action_id, precondition,
                           lambda action: action.update(**data), "update")


def transition_action(platform, principal, deviation_id: str, action_id: str, command: str,
                      effect_followup: str = "", precondition: Precondition = None,
                      now: datetime | None = None) -> ImprovementAction:
    now = now or utcnow()

    def change(action):
        if command == "complete":
            action.complete(now, effect_followup)
        else:
            getattr(action, command)()

    return _action_command(platform, principal, deviation_id, action_id, precondition, change, command)


# --------------------------------------------------------------------------
# Categories and deadline policies (administrator)
# --------------------------------------------------------------------------

def _require_admin(principal) -> None:
    if not principal.has_any("administrator"):
        raise Forbidden("Det kräver rollen administratör.", "It needs the administrator role.")


def category_view(row) -> dict:
    return {"id": row.id, "name": row.name, "kinds": list(row.kinds or []), "active": row.active,
            "version": row.version}


def list_categories(platform, principal, include_inactive: bool = False) -> list[dict]:
    with platform.engine.connect() as conn:
        return [category_view(r) for r in db.list_categories(conn, principal.tenant, include_inactive)]


def get_category(platform, principal, category_id: str) -> dict:
    with platform.engine.connect() as conn:
        row = db.category_row(conn, principal.tenant, category_id)
    if row is None:
        raise NotFound("Kategorin finns inte.", "There is no such category.")
    return category_view(row)


def create_category(platform, principal, data: dict, claim=None) -> str:
    _require_admin(principal)
    category_id = str(uuid.uuid4())
    values = {"id": category_id, "tenant": principal.tenant, "name": data["name"].strip(),
              "kinds": sorted(set(data.get("kinds") or [])), "active": data.get("active", True), "version": 1}
    with platform.uow() as uow:
        _unique_name(uow.connection, principal.tenant, values["name"])
        uow.execute(db.categories.insert().values(**values))
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="create", entity_type="category",
                  entity_id=category_id, after=values)
        idempotency.record(claim, uow, category_id)
        uow.commit()
    return category_id


def _unique_name(conn, tenant: str, name: str, except_id: str | None = None) -> None:
    c = db.categories.c
    query = sa.select(c.id).where(c.tenant == tenant, sa.func.lower(c.name) == name.lower())
    if except_id:
        query = query.where(c.id != except_id)
    if conn.execute(query).first() is not None:
        raise CategoryExists(f"Kategorin '{name}' finns redan.", "The category exists already.")


def update_category(platform, principal, category_id: str, data: dict, precondition: Precondition = None) -> dict:
    _require_admin(principal)
    with platform.uow() as uow:
        row = db.category_row(uow.connection, principal.tenant, category_id)
        if row is None:
            raise NotFound("Kategorin finns inte.", "There is no such category.")
        if precondition is not None:
            precondition(row.id, row.version)
        before = category_view(row)
        values = {}
        if "name" in data:
            values["name"] = data["name"].strip()
            _unique_name(uow.connection, principal.tenant, values["name"], except_id=row.id)
        if "kinds" in data:
            values["kinds"] = sorted(set(data["kinds"]))
        if "active" in data:
            values["active"] = data["active"]
        c = db.categories.c
        result = uow.execute(db.categories.update().where(
            c.tenant == principal.tenant, c.id == row.id, c.version == row.version,
        ).values(**values, version=row.version + 1))
        if result.rowcount != 1:
            raise Stale("Kategorin har ändrats av någon annan; läs om den.",
                        "The category was changed by someone else; read it again.")
        after = {**before, **values, "version": row.version + 1}
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="update", entity_type="category",
                  entity_id=row.id, before=before, after=after)
        uow.commit()
    return after


def get_policy(platform, principal, kind: str) -> dict:
    kind = d.Kind(kind)
    with platform.engine.connect() as conn:
        row = db.policy_row(conn, principal.tenant, kind.value)
    if row is not None:
        return {"kind": kind.value, "receipt_days": row.receipt_days, "investigation_days": row.investigation_days,
                "ivo_report_days": row.ivo_report_days, "answer_days": db._policy(kind, row).answer_days,
                "default": False, "version": row.version}
    policy = d.DEFAULT_DEADLINES[kind]
    return {"kind": kind.value, "receipt_days": policy.receipt_days, "investigation_days": policy.investigation_days,
            "ivo_report_days": policy.ivo_report_days, "answer_days": policy.answer_days, "default": True,
            "version": 0}


def put_policy(platform, principal, kind: str, data: dict, precondition: Precondition = None) -> dict:
    """The tenant's own deadlines for `kind`; If-Match names the version read (0: the default)."""
    _require_admin(principal)
    kind = d.Kind(kind)
    try:
        policy = d.DeadlinePolicy(kind, data["receipt_days"], data["investigation_days"], data.get("ivo_report_days"),
                                  data.get("answer_days"))
    except d.InvalidSetting as error:
        raise InvalidPolicy(*error.args) from None
    values = {"receipt_days": policy.receipt_days, "investigation_days": policy.investigation_days,
              "ivo_report_days": policy.ivo_report_days, "answer_days": policy.answer_days}
    with platform.uow() as uow:
        row = db.policy_row(uow.connection, principal.tenant, kind.value)
        version = row.version if row is not None else 0
        if precondition is not None:
            precondition(kind.value, version)
        # Concurrent first PUTs: one inserts; the others read version 0 too, and are told it changed.
        if not write_versioned(uow.connection, db.deadline_policies, {"tenant": principal.tenant, "kind": kind.value},
                               values, version):
            raise Stale("Tidsfristerna har ändrats av någon annan; läs om dem.",
                        "The policy was changed by someone else; read it again.")
        before = None if row is None else {"receipt_days": row.receipt_days,
                                           "investigation_days": row.investigation_days,
                                           "ivo_report_days": row.ivo_report_days, "answer_days": row.answer_days}
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="deadline_policy",
                  entity_id=kind.value, before=before, after=values)
        uow.commit()
    return get_policy(platform, principal, kind.value)


def _calendar_days(calendar: d.WorkingCalendar) -> dict:
    return {"non_working_eves": sorted(calendar.non_working_eves), "extra_days_off": sorted(calendar.extra_days_off)}


def _calendar_view(row) -> dict:
    """The tenant's working calendar as answered (no row: the default, version 0)."""
    return {**_calendar_days(db.calendar_of(row)), "default": row is None,
            "version": 0 if row is None else row.version}


def get_calendar(platform, principal) -> dict:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Arbetskalendern kräver en personalroll.", "The working calendar needs a staff role.")
    with platform.engine.connect() as conn:
        return _calendar_view(db.calendar_row(conn, principal.tenant))


def put_calendar(platform, principal, data: dict, precondition: Precondition = None) -> dict:
    """The tenant's non-working eves and extra days off; If-Match names the version read (0: the default).

    Due dates are stored when a case is reported, so a change applies to the cases reported after it. The change is
    published (se.ordning.working_calendar.changed.v1): the notify service counts its deadlines in it.
    """
    _require_admin(principal)
    try:
        calendar = d.WorkingCalendar(frozenset(data["non_working_eves"]), frozenset(data["extra_days_off"]))
    except d.InvalidSetting as error:
        raise InvalidCalendar(*error.args) from None
    after = _calendar_days(calendar)
    values = {**after, "extra_days_off": [day.isoformat() for day in after["extra_days_off"]]}
    with platform.uow() as uow:
        row = db.calendar_row(uow.connection, principal.tenant)
        version = 0 if row is None else row.version
        if precondition is not None:
            precondition(CALENDAR_ETAG_ID, version)
        if not write_versioned(uow.connection, db.working_calendars, {"tenant": principal.tenant}, values, version):
            raise Stale("Arbetskalendern har ändrats av någon annan; läs om den.",
                        "The working calendar was changed by someone else; read it again.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="working_calendar",
                  entity_id=principal.tenant, before={**_calendar_days(db.calendar_of(row)), "version": version},
                  after={**after, "version": version + 1})
        uow.add_event(d.calendar_changed(principal.tenant, calendar, version + 1, utcnow()))  # notify's deadlines
        uow.commit()
    return get_calendar(platform, principal)


# --------------------------------------------------------------------------
# Retention (gallring): policies (administrator) and the worker's job
# --------------------------------------------------------------------------

RETENTION_ACTOR = "system:retention"  # who the audit trail names for the job's changes


def _retention_view(kind: d.Kind, row) -> dict:
    if row is None:
        return {"kind": kind.value, "years": d.DEFAULT_RETENTION_YEARS[kind], "default": True, "version": 0}
    return {"kind": kind.value, "years": row.years, "default": False, "version": row.version}


def _require_retention_reader(principal) -> None:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Gallringsfristerna kräver en personalroll.", "Retention policies need a staff role.")


def list_retention_policies(platform, principal) -> list[dict]:
    _require_retention_reader(principal)
    with platform.engine.connect() as conn:
        rows = {r.kind: r for r in conn.execute(sa.select(db.retention_policies).where(
            db.retention_policies.c.tenant == principal.tenant))}
    return [_retention_view(kind, rows.get(kind.value)) for kind in d.Kind]


def get_retention_policy(platform, principal, kind: str) -> dict:
    _require_retention_reader(principal)
    kind = d.Kind(kind)
    with platform.engine.connect() as conn:
        return _retention_view(kind, db.retention_policy_row(conn, principal.tenant, kind.value))


def put_retention_policy(platform, principal, kind: str, data: dict, precondition: Precondition = None) -> dict:
    """Set the tenant's years of retention for a kind (If-Match: the ETag of the policy read, defaults included)."""
    _require_admin(principal)
    kind = d.Kind(kind)
    try:
        policy = d.RetentionPolicy(kind, data["years"])
    except d.InvalidSetting as error:
        raise InvalidRetentionPolicy(*error.args) from None
    with platform.uow() as uow:
        current = _retention_view(kind, db.retention_policy_row(uow.connection, principal.tenant, kind.value))
        if precondition is not None:
            precondition(kind.value, current["version"])
        if not write_versioned(uow.connection, db.retention_policies, {"tenant": principal.tenant, "kind": kind.value},
                               {"years": policy.years}, current["version"]):
            raise Stale("Gallringsfristen har ändrats av någon annan; läs om den.",
                        "The retention policy was changed by someone else; read it again.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="retention_policy",
                  entity_id=kind.value, before={"years": current["years"], "default": current["default"]},
                  after={"years": policy.years})
        uow.commit()
    return get_retention_policy(platform, principal, kind.value)


def pseudonymise_expired(platform, now: datetime, batch_size: int = 100) -> int:
    """Pseudonymise every closed case, in every tenant, whose retention has ended by `now`; returns how many.

    Each case in its own unit of work with its event and audit record; replicas share the work, since a
    case is taken under a row lock that others skip, and re-read unpseudonymised before it is changed.
    """
    today = d.local_date(now)
    done = 0
    while True:
        with platform.engine.connect() as conn:
            batch = db.expired_cases(conn, today, batch_size)
        done_now = sum(_pseudonymise_case(platform, tenant, deviation_id, now) for tenant, deviation_id in batch)
        done += done_now
        if len(batch) < batch_size or done_now == 0:  # no more, or only cases others hold or that keep failing
            return done


def _pseudonymise_case(platform, tenant: str, deviation_id: str, now: datetime) -> bool:
    try:
        with platform.uow() as uow:
            row = db.lock_to_pseudonymise(uow.connection, tenant, deviation_id)
            if row is None:
                return False  # another worker holds it or has done it
            dev = db.to_entity(row)
            policy = d.retention_for(dev.kind, db.tenant_retention(uow.connection, tenant))
            if not dev.retention_expired(d.local_date(now), policy):
                return False  # reopened or its policy lengthened since the search
            expected = dev.version
            dev.pseudonymise(now, policy)
            contact = {name: pseudonymised_text(row._mapping[name]) for name in db.CONTACT_COLUMNS}
            if not db.update(uow.connection, dev, expected, **contact, reporter_name=None):
                return False
            db.pseudonymise_complainant_contact(uow.connection, tenant, dev.id)
            for event in dev.events:
                uow.add_event(event)
            # The audit names what happened and when, never the text (the trail is append-only and keeps it).
            uow.audit(tenant=tenant, actor=RETENTION_ACTOR, action="pseudonymise", entity_type="deviation",
                      entity_id=dev.id, after={"pseudonymised_at": now, "retention_years": policy.years})
            repo = ActionRepository(uow, db.actions)
            for action in repo.for_origin(tenant, db.ORIGIN_TYPE, dev.id):
                expected_action = action.version
                action.pseudonymise()
                repo.save(action, expected_action)
                uow.audit(tenant=tenant, actor=RETENTION_ACTOR, action="pseudonymise",
                          entity_type="improvement_action", entity_id=action.id,
                          after={"pseudonymised_at": now})
            uow.commit()
        return True
    except Exception as error:  # one case's failure must not stop the others; its text stays out of the log
        log.error("pseudonymising case %s of tenant %s failed: %s", deviation_id, tenant, type(error).__name__)
        return False


# =====================================================================================================
# Who holds a role (issue 11): from the copy the role events keep, without a call to the processes service.
# =====================================================================================================

from ordning_shared import roles as _roles  # noqa: E402


def role_holders(connection, tenant: str, role: str, unit_id: str, *, on: date | None = None) -> list[str]:
    """The user ids of who holds `role` for `unit_id` on `on` (default today): those at the unit itself, or else
    at the nearest unit above it that has one ("the enhetschef of X", "the MAS for X's förvaltning")."""
    return [holder.user_id for holder in
            _roles.holders_at_unit(connection, db.tables, tenant, role, str(unit_id), on=on)]


# =====================================================================================================
# Issue 14, items 6 and 7: complaints answered (klagomål), the reporter's feedback view (återkoppling),
# the tenant's case settings.
# =====================================================================================================

class InvalidCaseSettings(Unprocessable):
    code = "invalid_case_settings"


CASE_SETTINGS_ETAG_ID = "case-settings"  # the settings' ETag: "case-settings.<version>"
ANSWER_PROMISE_DAYS_MAX = 365


def record_complainant(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                       now: datetime | None = None) -> d.Deviation:
    """A klagomål's complainant: relation and channel on the case (codes), the contact details apart."""
    now = now or utcnow()

    def change(uow, dev):
        dev.record_complainant(data["relation"], data["channel"], at=now,
                               relations=_choices(uow.connection, dev, "complainant_relations"),
                               channels=_choices(uow.connection, dev, "contact_channels"))
        db.put_complainant_contact(uow.connection, dev.tenant, dev.id, data)

    return _command(platform, principal, deviation_id, "record_complainant", "record_complainant", change,
                    precondition)


def get_complainant(platform, principal, deviation_id: str) -> dict:
    """The complainant of a klagomål with their contact details: for the case's handlers only (others who may
    read the case: 403; who may not, or another kind: 404)."""
    with platform.engine.connect() as conn:
        caller = caller_of(conn, principal)
        _row, dev = _readable(conn, principal, db.get_row(conn, principal.tenant, deviation_id), caller)
        if dev.kind is not d.Kind.klagomal:
            raise NotFound("Ärendet är inget klagomål och har ingen klagande.", "The case is not a klagomal.")
        if not (caller.handles(dev) and d.may(principal.roles, "read_complainant", dev.kind)):
            raise Forbidden("Den klagandes uppgifter läses bara av ärendets handläggare.",
                            "The complainant's details are read by the case's handlers only.")
        contact = db.complainant_contact(conn, dev.tenant, dev.id) or {name: None for name in db.COMPLAINANT_FIELDS}
    view = _complaint_view(dev, caller.lists())
    return {"id": dev.id, "version": dev.version, "relation": view["complainant_relation"],
            "relation_label_sv": view["complainant_relation_label_sv"], "channel": view["complaint_channel"],
            "channel_label_sv": view["complaint_channel_label_sv"], **contact}


def record_answer(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                  now: datetime | None = None) -> d.Deviation:
    today = _today(now)

    def change(uow, dev):
        dev.record_answer(data["answered_on"], data["channel"], by=principal.subject, today=today,
                          channels=_choices(uow.connection, dev, "contact_channels"))

    return _command(platform, principal, deviation_id, "record_answer", "record_answer", change, precondition)


def write_reporter_feedback(platform, principal, deviation_id: str, text: str, precondition: Precondition = None,
                            now: datetime | None = None) -> d.Deviation:
    now = now or utcnow()

    def change(uow, dev):
        dev.write_reporter_feedback(text, at=now)

    return _command(platform, principal, deviation_id, "write_reporter_feedback", "write_reporter_feedback",
                    change, precondition)


def _is_reporter(principal, dev: d.Deviation) -> bool:
    return bool(dev.reported_by is not None and dev.reported_by == principal.subject
                and set(principal.roles) & d.STAFF_ROLES)


def _own_report(dev: d.Deviation, row) -> dict:
    """What a reporter sees of a case in their list and in its feedback view (schemas.OwnReportSchema)."""
    return {"id": dev.id, "reference": row.reference, "kind": dev.kind.value,
            "kind_label_sv": d.KIND_LABELS_SV[dev.kind], "status": dev.status.value,
            "status_label_sv": d.STATUS_LABELS_SV[dev.status], "unit_name": row.unit_name,
            "reported_at": dev.reported_at, "closed_at": dev.ended_at}


def feedback_view(platform, principal, deviation_id: str) -> dict:
    """The case as its reporter follows it (återkoppling): status, the handlers' sentence for them and the actions
    taken (title and status); nothing of the investigation, the IVO report, the complainant or other people.
    For the reporter and for who may read the case; 404 for anyone else."""
    with platform.engine.connect() as conn:
        row = db.get_row(conn, principal.tenant, deviation_id)
        if row is None:
            raise _not_found()
        dev = db.to_entity(row)
        if not (_is_reporter(principal, dev) or _can_read(conn, principal, dev)):
            raise _not_found()
        a = db.actions.c
        actions = conn.execute(sa.select(a.title, a.status).where(
            a.tenant == dev.tenant, a.origin_type == db.ORIGIN_TYPE, a.origin_id == dev.id)
            .order_by(a.due_date, a.id)).all()
    return {**_own_report(dev, row), "feedback": dev.reporter_feedback,
            "feedback_at": dev.reporter_feedback_at, "receipt_due": dev.receipt_due,
            "investigation_due": dev.investigation_due,
            "actions": [{"title": action.title, "status": action.status} for action in actions]}


def reported_by_me(platform, principal, limit: int = 50, offset: int = 0) -> dict:
    """The caller's own reports, newest first, each with its status and whether feedback was written."""
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Mina rapporter kräver en personalroll.", "My reports need a staff role.")
    with platform.engine.connect() as conn:
        rows, total = db.reported_by_me_rows(conn, principal.tenant, principal.subject, limit, offset)
    items = []
    for row in rows:
        dev = db.to_entity(row)
        items.append({**_own_report(dev, row), "has_feedback": dev.reporter_feedback is not None,
                      "feedback_at": dev.reporter_feedback_at})
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# ---- the tenant's case settings ------------------------------------------------------------------

def _case_settings_view(row) -> dict:
    """No row: the defaults, which promise no answer date (conservative) and name reporters as before."""
    if row is None:
        return {"answer_promised": False, "answer_promise_days": None, "hide_reporter_names": False,
                "default": True, "version": 0}
    return {"answer_promised": row.answer_promised, "answer_promise_days": row.answer_promise_days,
            "hide_reporter_names": row.hide_reporter_names, "default": False, "version": row.version}


def get_case_settings(platform, principal) -> dict:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Inställningarna kräver en personalroll.", "The case settings need a staff role.")
    with platform.engine.connect() as conn:
        return _case_settings_view(db.case_settings_row(conn, principal.tenant))


def put_case_settings(platform, principal, data: dict, precondition: Precondition = None) -> dict:
    _require_admin(principal)
    promised, days = data["answer_promised"], data.get("answer_promise_days")
    if promised and (days is None or not 0 <= days <= ANSWER_PROMISE_DAYS_MAX):
        raise InvalidCaseSettings("Ange inom hur många arbetsdagar svaret utlovas (answer_promise_days).",
                                  "Give the working days the answer is promised within (answer_promise_days).")
    if not promised and days is not None:
        raise InvalidCaseSettings("Utan utlovat svar ska answer_promise_days vara tomt.",
                                  "Without a promised answer, answer_promise_days must be null.")
    values = {"answer_promised": promised, "answer_promise_days": days,
              "hide_reporter_names": data["hide_reporter_names"]}
    with platform.uow() as uow:
        row = db.case_settings_row(uow.connection, principal.tenant)
        current = _case_settings_view(row)
        if precondition is not None:
            precondition(CASE_SETTINGS_ETAG_ID, current["version"])
        if not write_versioned(uow.connection, db.case_settings, {"tenant": principal.tenant}, values,
                               current["version"]):
            raise Stale("Inställningarna har ändrats av någon annan; läs om dem.",
                        "The case settings were changed by someone else; read them again.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="case_settings",
                  entity_id=principal.tenant, before={k: current[k] for k in values} | {"version": current["version"]},
                  after={**values, "version": current["version"] + 1})
        uow.commit()
    return get_case_settings(platform, principal)


def answer_promised_by(conn, tenant: str, now: datetime) -> date | None:
    """The answer date a citizen's receipt promises by the tenant's case settings; None: no date promised."""
    row = db.case_settings_row(conn, tenant)
    if row is None or not row.answer_promised or row.answer_promise_days is None:
        return None
    return db.tenant_calendar(conn, tenant).add_working_days(d.local_date(now), row.answer_promise_days)
# The daily work (issue 14, item 8): the assigned investigator, the involved unit, duplicates.
# =====================================================================================================

class UnknownCase(Unprocessable):
    """A master named by an id or reference that is no case the caller may read in their tenant."""
    code = "unknown_case"


def _as_investigator(roles, subject: str | None, dev: d.Deviation) -> bool:
    """Is the caller (a staff member) the case's assigned investigator?"""
    return bool(set(roles) & d.STAFF_ROLES) and dev.is_investigator(subject)


def _reads_by_casework(conn, principal, dev: d.Deviation, caller: Caller | None) -> bool:
    """The case's investigator reads it; so do the readers of its kind whose scope holds its involved unit (read
    only: they handle nothing on it, since the case's own unit is not theirs)."""
    if _as_investigator(principal.roles, principal.subject, dev):
        return True
    if dev.involved_unit_id is None or not set(principal.roles) & d.READERS[dev.kind]:
        return False
    return (dev.involved_unit_id in caller.units if caller is not None
            else _in_scope(conn, principal, dev.involved_unit_id))


def _involved_unit(conn, tenant: str, unit_id: str | None) -> str | None:
    """The involved unit a report or a PATCH names: an open unit of the tenant's org tree copy, else 422."""
    if unit_id is None or not str(unit_id).strip():
        return None
    _check_unit(conn, tenant, unit_id)
    return str(unit_id)


def _with_casework(conn, principal, caller: Caller, body: dict) -> dict:
    """A single case's answer with its involved unit's name and the duplicates (that the caller may read) ended
    into it."""
    body["involved_unit_name"] = (db.unit_name(conn, principal.tenant, body["involved_unit_id"])
                                  if body.get("involved_unit_id") else None)
    body["duplicates"] = [
        {"id": r.id, "reference": r.reference, "kind": r.kind, "status": r.status, "unit_id": r.unit_id,
         "reported_at": r.reported_at}
        for r in db.duplicate_rows(conn, principal, caller.units, body["id"])]
    master_id = body.get("duplicate_of_id")
    master = db.get_row(conn, principal.tenant, master_id) if master_id else None
    body["duplicate_of_reference"] = master.reference if master is not None else None
    if (body.get("close_as_duplicate") or {}).get("allowed"):  # a master of duplicates is no duplicate itself
        try:
            d.guard_not_a_master(db.duplicate_count(conn, principal.tenant, body["id"]))
        except d.MasterOfDuplicates as refusal:
            body["close_as_duplicate"] = {"allowed": False, "blocked": {"code": refusal.code, "reason": str(refusal)}}
    return body


def assign_investigator(platform, principal, deviation_id: str, investigator_id: str | None,
                        precondition: Precondition = None) -> d.Deviation:
    """The case's handlers name (or, None, clear) its investigator: a user id of the tenant."""
    def change(uow, dev):
        dev.assign_investigator(investigator_id)

    return _command(platform, principal, deviation_id, "assign_investigator", "assign_investigator", change,
                    precondition)


def _master_row(conn, principal, master: str | None):
    """The master a close_as_duplicate names by its id or reference, in the caller's tenant; 422 unknown_case when
    there is none or the caller may not read it (its existence is not told)."""
    master = (master or "").strip()
    row = None
    if re.fullmatch(d.REFERENCE_PATTERN, master):
        row = db.row_by_reference(conn, principal.tenant, master)
    elif re.fullmatch(r"[0-9a-fA-F-]{36}", master):
        row = db.get_row(conn, principal.tenant, master.lower())
    if row is None or not _can_read(conn, principal, db.to_entity(row)):
        raise UnknownCase("Huvudärendet finns inte: ange ett ärendenummer eller id i din kommun.",
                          "There is no such master case: give a reference or id of your tenant.")
    return row


def close_as_duplicate(platform, principal, deviation_id: str, master: str, precondition: Precondition = None,
                       now: datetime | None = None) -> d.Deviation:
    """End a case that is not ended as a duplicate of `master` (its id or reference), for who handles both."""
    now = now or utcnow()

    def change(uow, dev):
        _close_as_duplicate(uow, principal, dev, master, now)

    return _command(platform, principal, deviation_id, "close_as_duplicate", "close_as_duplicate", change,
                    precondition)


def _close_as_duplicate(uow, principal, dev: d.Deviation, master: str | None, now: datetime) -> None:
    """End `dev` as a duplicate of `master`, for who handles both cases."""
    conn = uow.connection
    row = _master_row(conn, principal, master)
    master_dev = db.to_entity(row)
    if master_dev.id != dev.id and not (d.may(principal.roles, "close_as_duplicate", master_dev.kind)
                                        and _in_scope(conn, principal, master_dev.unit_id)):
        raise Forbidden("Du handlägger inte huvudärendet; båda ärendenas handläggare får koppla dubbletter.",
                        "You do not handle the master case; the handlers of both cases may link duplicates.")
    dev.close_as_duplicate(by=principal.subject, at=now, master=master_dev, master_reference=row.reference,
                           open_action_count=db.open_action_count(conn, dev.tenant, dev.id),
                           duplicate_count=db.duplicate_count(conn, dev.tenant, dev.id))

# =====================================================================================================
# Issue 14: lex Sarah and lex Maria in full: reclassification, informing, delegation, involved staff (jäv)
# =====================================================================================================

from ordning_shared.orgtree import ancestor_ids  # noqa: E402


class NotDelegated(Forbidden):
    code = "not_delegated"


class InvalidLexPolicy(Unprocessable):
    code = "invalid_lex_policy"


LEX_POLICY_FIELDS = ("decider_roles", "decider_level", "delegation_reference", "informing_required")


def holds_delegation(conn, principal, dev: d.Deviation, policy: d.LexPolicy) -> bool:
    """Does the principal hold a role the delegation names for the case's unit, at the unit or above it, at the
    delegation's org level? Read from the copy of the role assignments the processes service's events keep; a
    tenant whose copy holds nothing falls back to the token's roles for a unit in the token's scope (as before
    issue 14; a token does not say at which level a role is held)."""
    if db.role_copy_exists(conn, dev.tenant):
        chain = ancestor_ids(conn, db.tables.org_units, dev.tenant, dev.unit_id) or [dev.unit_id]
        if policy.decider_level is not None:
            kinds = db.unit_kinds(conn, dev.tenant, chain)
            chain = [unit for unit in chain if kinds.get(unit) == policy.decider_level]
        return bool(chain) and bool(_roles.units_where_held(conn, db.tables, dev.tenant, principal.subject,
                                                            policy.decider_roles, chain))
    return bool(set(principal.roles) & policy.decider_roles) and _in_scope(conn, principal, dev.unit_id)


def _with_decision(conn, principal, dev: d.Deviation, body: dict) -> dict:
    """A single case's answer with what the decision needs: the involved staff for its handlers, and, for whom the
    delegation names, the decision blocked by jäv (blocked_commands: decide_seriousness, disqualified)."""
    reader = bool(set(principal.roles) & d.READERS[dev.kind])
    body["involved_staff"] = list(dev.involved_staff) if reader else None
    policy = d.lex_policy_for(dev.kind, db.tenant_lex_policies(conn, dev.tenant)) if dev.is_lex else None
    if policy is not None and dev.status not in d.END_STATUSES and dev.disqualification(principal.subject) \
            and holds_delegation(conn, principal, dev, policy):
        try:
            dev.guard_not_disqualified(principal.subject)
        except d.Disqualified as refusal:
            body["blocked_commands"].append({"command": "decide_seriousness", "code": refusal.code,
                                             "reason": str(refusal)})
    return body


def _lex_view(dev: d.Deviation, caller: Caller) -> dict:
    """Issue 14's part of a case's answer. The person concerned's view and the notes are for the case's readers by
    role, not for a reporter reading their own report."""
    reader = bool(caller.roles & d.READERS[dev.kind]) and dev.unit_id in caller.units
    i, r, s = dev.informing, dev.reclassification, dev.seriousness
    informing, lists = None, caller.lists()
    if i is not None:
        informing = {"informed": i.informed, "informed_on": i.informed_on, "method": i.method,
                     "method_label_sv": lists["informing_methods"].label(i.method), "recipient": i.recipient,
                     "recipient_label_sv": lists["informing_recipients"].label(i.recipient),
                     "informed_by": i.informed_by, "view": i.view if reader else None,
                     "not_informed_reason": i.not_informed_reason,
                     "not_informed_reason_label_sv": lists["not_informed_reasons"].label(i.not_informed_reason),
                     "note": i.note if reader else None, "recorded_by": i.recorded_by, "recorded_at": i.recorded_at}
    reclassification = None
    if r is not None:
        reclassification = {"previous_kind": r.previous_kind.value, "reason": r.reason,
                            "reason_label_sv": lists["reclassification_reasons"].label(r.reason), "at": r.at,
                            "by": r.by,
                            "note": r.note if reader else None}
    policy = d.lex_policy_for(dev.kind, caller.lex_policies) if dev.is_lex else None
    return {"informing": informing, "reclassification": reclassification,
            "outcome_label_sv": _outcome_label(lists, dev, s.outcome) if s is not None and s.outcome else None,
            "delegation": None if policy is None else {
                "decider_roles": sorted(policy.decider_roles), "decider_level": policy.decider_level,
                "delegation_reference": policy.delegation_reference,
                "informing_required": policy.informing_required}}


def _outcome_label(lists: dict, dev: d.Deviation, outcome: str) -> str:
    """The decision's outcome label: from the list of the kind it was decided on (a reclassification clears it)."""
    name = cls.OUTCOME_LISTS.get(dev.kind)
    found = lists[name].entry(outcome) if name else None
    return found.label_sv if found is not None else d.OUTCOME_LABELS_SV.get(outcome, outcome)


def _choices(conn, dev: d.Deviation, name: str, current=None) -> dict:
    """What the tenant's list `name` offers a record of `dev` (code -> entry): the active codes and `current`."""
    return cls.code_lists(*db.code_list_rows(conn, dev.tenant, name))[name].choices(current)


def reclassify(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
               now: datetime | None = None) -> d.Deviation:
    """Reclassify a case to another kind (domain.RECLASSIFICATIONS): the case keeps its id, reference and history;
    its deadlines are the new kind's, counted from now with the tenant's policy and calendar."""
    now = now or utcnow()
    kind = d.Kind(data["kind"])
    with platform.uow() as uow:
        conn = uow.connection
        _row, dev = _load(uow, principal, deviation_id, "reclassify")
        if not d.may(principal.roles, "reclassify", kind):
            raise Forbidden(f"Din roll får inte hantera ärenden av typen {d.KIND_LABELS_SV[kind]}.",
                            f"Your roles do not allow handling {kind.value} cases.")
        if precondition is not None:
            precondition(dev.id, dev.version)
        category = db.category_row(conn, dev.tenant, dev.category_id) if dev.category_id else None
        fits = category is None or not category.kinds or kind.value in category.kinds
        before, expected = _snapshot(dev), dev.version
        dev.reclassify(kind, data["reason_code"], by=principal.subject, at=now,
                       policy=d.policy_for(kind, db.tenant_policies(conn, dev.tenant)),
                       calendar=db.tenant_calendar(conn, dev.tenant), note=data.get("note"), category_fits=fits,
                       reasons=_choices(conn, dev, "reclassification_reasons"))
        _save(uow, principal, dev, before, expected, "reclassify")
        uow.commit()
    return dev


def record_informing(platform, principal, deviation_id: str, data: dict, precondition: Precondition = None,
                     now: datetime | None = None) -> d.Deviation:
    """Lex Sarah / lex Maria: the person concerned informed (when, how, whom, by whom, their view), or why not."""
    now = now or utcnow()

    def change(uow, dev):
        dev.record_informing(principal.subject, now, informed_on=data.get("informed_on"), method=data.get("method"),
                             recipient=data.get("recipient"), informed_by=data.get("informed_by"),
                             view=data.get("view"), not_informed_reason=data.get("not_informed_reason"),
                             note=data.get("note"), lists=_informing_lists(uow.connection, dev))

    return _command(platform, principal, deviation_id, "record_informing", "record_informing", change, precondition)


def _informing_lists(conn, dev: d.Deviation) -> dict:
    """The informing's lists of the tenant (code -> entry), the case's own codes kept though retired since."""
    lists, i = tenant_code_lists(conn, dev.tenant), dev.informing
    return {"informing_methods": lists["informing_methods"].choices(i.method if i else None),
            "informing_recipients": lists["informing_recipients"].choices(i.recipient if i else None),
            "not_informed_reasons": lists["not_informed_reasons"].choices(i.not_informed_reason if i else None)}


def name_involved_staff(platform, principal, deviation_id: str, user_ids: list[str],
                        precondition: Precondition = None) -> d.Deviation:
    """Name (replace) the staff involved in the case's event: they lose access to it and may not decide it."""
    with platform.uow() as uow:
        _row, dev = _load(uow, principal, deviation_id, "name_involved_staff")
        if precondition is not None:
            precondition(dev.id, dev.version)
        expected = dev.version
        before = {"involved_staff_count": len(dev.involved_staff), "version": expected}
        dev.name_involved_staff(user_ids)
        if dev.version == expected:
            return dev
        if not db.update(uow.connection, dev, expected):
            raise Stale("Ärendet har ändrats av någon annan; läs om det.",
                        "The case was changed by someone else; read it again.")
        db.replace_involved_staff(uow.connection, dev.tenant, dev.id, dev.involved_staff)
        uow.audit(tenant=dev.tenant, actor=principal.subject, action="name_involved_staff",
                  entity_type="deviation", entity_id=dev.id, before=before,
                  after={"involved_staff_count": len(dev.involved_staff), "version": dev.version})
        uow.commit()
    return dev


def _lex_policy_view(kind: d.Kind, row) -> dict:
    policy = db.to_lex_policy(row) if row is not None else d.DEFAULT_LEX_POLICIES[kind]
    return {"kind": kind.value, "decider_roles": sorted(policy.decider_roles), "decider_level": policy.decider_level,
            "delegation_reference": policy.delegation_reference, "informing_required": policy.informing_required,
            "default": row is None, "version": 0 if row is None else row.version}


def _lex_kind(kind: str) -> d.Kind:
    if kind not in {k.value for k in d.LEX_KINDS}:
        raise NotFound("Det finns ingen delegation för den typen.", "There is no lex policy for that kind.")
    return d.Kind(kind)


def get_lex_policy(platform, principal, kind: str) -> dict:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Delegationen kräver en personalroll.", "The lex policy needs a staff role.")
    kind = _lex_kind(kind)
    with platform.engine.connect() as conn:
        return _lex_policy_view(kind, db.lex_policy_row(conn, principal.tenant, kind.value))


def put_lex_policy(platform, principal, kind: str, data: dict, precondition: Precondition = None) -> dict:
    """The tenant's delegation for a lex kind and whether closing requires the informing; If-Match: the version
    read (0: the default)."""
    _require_admin(principal)
    kind = _lex_kind(kind)
    try:
        policy = d.LexPolicy(kind, frozenset(data["decider_roles"]), data.get("decider_level"),
                             data["delegation_reference"].strip(), data["informing_required"])
    except d.InvalidSetting as error:
        raise InvalidLexPolicy(*error.args) from None
    values = {"decider_roles": sorted(policy.decider_roles), "decider_level": policy.decider_level,
              "delegation_reference": policy.delegation_reference, "informing_required": policy.informing_required}
    with platform.uow() as uow:
        current = _lex_policy_view(kind, db.lex_policy_row(uow.connection, principal.tenant, kind.value))
        if precondition is not None:
            precondition(kind.value, current["version"])
        if not write_versioned(uow.connection, db.lex_policies, {"tenant": principal.tenant, "kind": kind.value},
                               values, current["version"]):
            raise Stale("Delegationen har ändrats av någon annan; läs om den.",
                        "The lex policy was changed by someone else; read it again.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="lex_policy",
                  entity_id=kind.value, before={name: current[name] for name in LEX_POLICY_FIELDS},
                  after={**values, "version": current["version"] + 1})
        uow.commit()
    return get_lex_policy(platform, principal, kind.value)
