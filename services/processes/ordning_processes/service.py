"""Use cases of the organisation tree: one function per command, one unit of work each.

Each command loads what the domain rule needs (scoped by the caller's tenant),
lets the domain decide, and commits the new state, a history row, an audit
record and the domain's events together. A parent that is not in the caller's
tenant is treated exactly like one that does not exist.

`precondition` lets the caller (the API) check If-Match against the unit as
read inside the transaction, under the tenant's tree lock; the update is also
guarded by the revision it read, so a concurrent writer cannot be overwritten.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Callable

import sqlalchemy as sa

from ordning_shared import idempotency
from ordning_shared.auth import Principal
from ordning_shared.db import utcnow
from ordning_shared.orgtree import subtree_ids
from ordning_shared.platform import Platform
from ordning_shared.problems import Conflict, Forbidden, NotFound, PreconditionFailed, Problem, Unprocessable
from ordning_shared.workdays import today_in_sweden

from . import db
from .domain import (DUTY_ROLE_LABELS_SV, PHASE_LABELS_SV, PROCESS_TEMPLATES, OrgUnit, ParentNotFound, Process,
                     RoleAssignment, RoleKind, UnitClosed, check_duties, ockero_duties, parse_duty_role, parse_phase)
from .domain import documents as docdomain
from .domain import goals as goal_domain


ENTITY_TYPE = "org_unit"
Precondition = Callable[[OrgUnit], None]


class UnitNotFound(NotFound):

    def __init__(self, unit_id):
        super().__init__("Enheten finns inte.", f"The org unit {unit_id} does not exist.")


class UnitIdTaken(Conflict):
    code = "id_taken"

    def __init__(self, unit_id):
        super().__init__(f"Id:t {unit_id} används redan.", f"The id {unit_id} is already in use.")


class StaleUnit(PreconditionFailed):

    def __init__(self, unit_id):
        super().__init__("Enheten ändrades av någon annan; läs om den.",
                         f"The org unit {unit_id} was changed by someone else; read it again.")


class UnknownUnit(Unprocessable):
    """A unit named in a request (a document's units, a role's place, a process's or a goal's unit) that is not
    one of the caller's tenant. Another tenant's unit is answered the same, so its ids are never confirmed."""

    code = "unknown_unit"

    def __init__(self, unit_id):
        super().__init__("Enheten finns inte i din kommun eller region.",
                         f"The org unit {unit_id} does not exist in your tenant.")


def tenant_unit(conn, tenant: str, unit_id, *, closed: Problem | None = None):
    """The row of the caller's tenant's unit `unit_id`, or UnknownUnit; `closed` is raised when the unit is
    closed (None: a closed unit will do, e.g. to read or map what it did)."""
    row = db.get_unit(conn, tenant, str(unit_id))
    if row is None:
        raise UnknownUnit(unit_id)
    if closed is not None and row.closed_at is not None:
        raise closed
    return row


def _parent(uow, tenant: str, parent_id) -> OrgUnit | None:
    if parent_id is None:
        return None
    row = db.get_unit(uow, tenant, str(parent_id))
    if row is None:
        raise ParentNotFound("Den överordnade enheten finns inte.", f"The parent unit {parent_id} does not exist.")
    return db.to_domain(row)


def _load(uow, tenant: str, unit_id, precondition: Precondition | None) -> OrgUnit:
    row = db.get_unit(uow, tenant, str(unit_id))
    if row is None:
        raise UnitNotFound(unit_id)
    unit = db.to_domain(row)
    if precondition is not None:
        precondition(unit)
    return unit


def _save(uow, unit: OrgUnit, before: dict, previous_revision: int, *, change: str, principal: Principal,
          at) -> None:
    if not db.update_unit(uow, unit, previous_revision, at):
        raise StaleUnit(unit.id)
    db.insert_history(uow, unit, change=change, actor=principal.subject, at=at)
    uow.audit(tenant=unit.tenant, actor=principal.subject, action=f"org_unit.{change}", entity_type=ENTITY_TYPE,
              entity_id=unit.id, before=before, after=unit.state())
    for event in unit.pull_events():
        uow.add_event(event)


def create_unit(platform: Platform, principal: Principal, *, kind: str, name: str, parent_id=None,
                unit_id=None, claim: idempotency.IdempotencyClaim | None = None,
                external_provider: bool = False) -> str:
    tenant = principal.tenant
    unit_id = str(unit_id) if unit_id is not None else None
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        parent = _parent(uow, tenant, parent_id)
        if unit_id is not None and db.id_exists(uow, tenant, unit_id):
            raise UnitIdTaken(unit_id)
        unit = OrgUnit.create(tenant=tenant, kind=kind, name=name, parent=parent, unit_id=unit_id,
                              external_provider=external_provider)
        at = utcnow()
        try:
            db.insert_unit(uow, unit, at)
        except sa.exc.IntegrityError:
            # The tenant's tree lock serialises its creates; only SQLite without the lock gets here.
            raise UnitIdTaken(unit.id) from None
        db.insert_history(uow, unit, change="created", actor=principal.subject, at=at)
        uow.audit(tenant=tenant, actor=principal.subject, action="org_unit.created", entity_type=ENTITY_TYPE,
                  entity_id=unit.id, before=None, after=unit.state())
        for event in unit.pull_events():
            uow.add_event(event)
        idempotency.record(claim, uow, unit.id)
        uow.commit()
    return unit.id


def rename_unit(platform: Platform, principal: Principal, unit_id, *, name: str,
                precondition: Precondition | None = None) -> OrgUnit:
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, principal.tenant)
        unit = _load(uow, principal.tenant, unit_id, precondition)
        before, revision = unit.state(), unit.revision
        unit.rename(name, utcnow())
        if unit.revision != revision:
            _save(uow, unit, before, revision, change="renamed", principal=principal, at=utcnow())
            uow.commit()
    return unit


def set_external_provider(platform: Platform, principal: Principal, unit_id, *, external_provider: bool,
                          precondition: Precondition | None = None) -> OrgUnit:
    """Mark a unit as an external provider (utförare i privat regi), or not; the copies learn it from the event."""
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, principal.tenant)
        unit = _load(uow, principal.tenant, unit_id, precondition)
        before, revision = unit.state(), unit.revision
        unit.set_external_provider(external_provider)
        if unit.revision != revision:
            _save(uow, unit, before, revision, change="external_provider", principal=principal, at=utcnow())
            uow.commit()
    return unit


def move_unit(platform: Platform, principal: Principal, unit_id, *, parent_id,
              precondition: Precondition | None = None) -> OrgUnit:
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        unit = _load(uow, tenant, unit_id, precondition)
        new_parent = _parent(uow, tenant, parent_id)
        chain = db.ancestors(uow, tenant, new_parent.id) if new_parent is not None else []
        before, revision = unit.state(), unit.revision
        unit.move(new_parent, chain)
        if unit.revision != revision:
            _save(uow, unit, before, revision, change="moved", principal=principal, at=utcnow())
            uow.commit()
    return unit


def close_unit(platform: Platform, principal: Principal, unit_id,
               precondition: Precondition | None = None) -> OrgUnit:
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        unit = _load(uow, tenant, unit_id, precondition)
        before, revision = unit.state(), unit.revision
        at = utcnow()
        unit.close(at, db.count_open_children(uow, tenant, unit.id))
        _save(uow, unit, before, revision, change="closed", principal=principal, at=at)
        uow.commit()
    return unit


# =============================================================================================================
# Governing documents (styrdokument)
# =============================================================================================================
# Who may do what (docs/decisions.md, "Who drafts, approves and reads governing documents"):
# - approve (fastställa) or send back: an administrator or a kvalitetsutvecklare anywhere in the tenant; an
#   enhetschef, verksamhetschef or förvaltningschef for documents owned by their units or units below them;
# - draft (create, new version, edit a draft, submit): whoever may approve, and a processägare, processledare,
#   MAS or MAR within their units;
# - read a draft or a version up for approval: its author and whoever may approve it;
# - read an established (or superseded) version: every employee of the owner unit or a linked unit, and of the
#   units below them; and whoever may approve.
# A document nobody may read is answered as one that does not exist (404), as another tenant's is.


DOCUMENT_ENTITY = "document_version"
TENANT_WIDE_APPROVERS = ("administrator", "kvalitetsutvecklare")
UNIT_APPROVERS = ("enhetschef", "verksamhetschef", "forvaltningschef")
UNIT_DRAFTERS = UNIT_APPROVERS + ("processagare", "processledare", "mas", "mar")
VersionPrecondition = Callable[[docdomain.DocumentVersion], None]


class DocumentNotFound(NotFound):
    code = "document_not_found"

    def __init__(self, document_id, number=None):
        what = f"version {number} of the document {document_id}" if number else f"the document {document_id}"
        super().__init__("Dokumentet eller versionen finns inte.", f"There is no {what} you may read.")


class UnknownProcessStep(docdomain.DocumentRuleViolation):
    code = "unknown_process_step"

    def __init__(self):
        super().__init__("Ett angivet processteg finns inte.", "A process step given does not exist.")


class NotYourDocument(Forbidden):
    code = "not_allowed"

    def __init__(self, sv: str, en: str):
        super().__init__(sv, en)


class StaleVersion(PreconditionFailed):

    def __init__(self):
        super().__init__("Versionen ändrades av någon annan; läs om den.",
                         "The version was changed by someone else; read it again.")


class StaleSettings(PreconditionFailed):

    def __init__(self):
        super().__init__("Inställningarna ändrades av någon annan; läs om dem.",
                         "The settings were changed by someone else; read them again.")


def validate_step_ids(conn, tenant: str, step_ids: list[str]) -> set[str]:
    """Which of `step_ids` are not steps of this tenant's processes: a step of any version (a draft's too) of any
    of its processes is known, and keeps its id from version to version. Documents call it on create and on every
    edit of a draft, and refuse the request with 422 unknown_process_step when it names any id. Another tenant's
    steps are unknown here, answered exactly as ids that exist nowhere."""
    return db.unknown_step_ids(conn, tenant, step_ids)


def _step_links(step_ids):
    """Step ids as the process map spells them (lower case), whatever case a client sent; None stays None."""
    return None if step_ids is None else [str(step_id).lower() for step_id in step_ids]


def _reach(conn, principal: Principal, owner_unit_id: str) -> bool:
    """Whether the owner unit is one of the principal's units or below one."""
    return bool(set(db.ancestors(conn, principal.tenant, owner_unit_id)) & set(principal.org_units))


def may_approve(conn, principal: Principal, owner_unit_id: str) -> bool:
    if principal.has_any(*TENANT_WIDE_APPROVERS):
        return True
    return principal.has_any(*UNIT_APPROVERS) and _reach(conn, principal, owner_unit_id)


def may_draft(conn, principal: Principal, owner_unit_id: str) -> bool:
    if may_approve(conn, principal, owner_unit_id):
        return True
    return principal.has_any(*UNIT_DRAFTERS) and _reach(conn, principal, owner_unit_id)


def may_read(conn, principal: Principal, version: docdomain.DocumentVersion) -> bool:
    if version.status in docdomain.IN_THE_WORKS:
        return version.author == principal.subject or may_approve(conn, principal, version.owner_unit_id)
    readable = db.readable_unit_ids(conn, principal.tenant, principal.org_units)
    return bool(readable & set(version.linked_unit_ids)) or may_approve(conn, principal, version.owner_unit_id)


def draft_scope(conn, principal: Principal):
    """Whose drafts a list shows beside one's own: True for all, a select of unit ids, or None."""
    if principal.has_any(*TENANT_WIDE_APPROVERS):
        return True
    if principal.has_any(*UNIT_APPROVERS) and principal.org_units:
        return db.subtree(principal.tenant, principal.org_units)
    return None


def _check_units(conn, tenant: str, owner_unit_id: str, unit_ids, step_ids) -> None:
    tenant_unit(conn, tenant, owner_unit_id, closed=docdomain.DocumentRuleViolation(
        "Enheten som äger dokumentet är stängd.", "The document's owning unit is closed."))
    wanted = {str(u) for u in unit_ids or ()}
    missing = sorted(wanted - db.existing_unit_ids(conn, tenant, wanted))
    if missing:
        raise UnknownUnit(missing[0])
    if step_ids and validate_step_ids(conn, tenant, step_ids):
        raise UnknownProcessStep()


def load_version(conn, principal: Principal, document_id, number: int | None = None,
                 *, for_update: bool = False) -> docdomain.DocumentVersion:
    """The version (the newest one the principal may read when `number` is None), or DocumentNotFound."""
    document = db.get_document(conn, principal.tenant, str(document_id), for_update=for_update)
    if document is None:
        raise DocumentNotFound(document_id, number)
    if number is not None:
        row = db.get_version(conn, principal.tenant, str(document_id), number)
        candidates = [row] if row is not None else []
    else:
        candidates = db.list_versions(conn, principal.tenant, str(document_id))
    for row in candidates:
        version = db.version_to_domain(document, row)
        if may_read(conn, principal, version):
            return version
    raise DocumentNotFound(document_id, number)


def create_document(platform: Platform, principal: Principal, *, kind: str, owner_unit_id, title: str, body: str,
                    unit_ids=(), step_ids=(), claim: idempotency.IdempotencyClaim | None = None) -> str:
    tenant = principal.tenant
    step_ids = _step_links(step_ids)
    with platform.uow() as uow:
        _check_units(uow, tenant, str(owner_unit_id), unit_ids, step_ids)
        if not may_draft(uow, principal, str(owner_unit_id)):
            raise NotYourDocument("Du får inte skriva styrdokument för den enheten.",
                                  "You may not draft governing documents for that unit.")
        at = utcnow()
        version = docdomain.DocumentVersion.first_draft(
            tenant=tenant, kind=kind, owner_unit_id=str(owner_unit_id), title=title, body=body, unit_ids=unit_ids,
            step_ids=step_ids, author=principal.subject, at=at)
        db.insert_document(uow, version, at)
        db.insert_version(uow, version, at)
        uow.audit(tenant=tenant, actor=principal.subject, action="document_version.created",
                  entity_type=DOCUMENT_ENTITY, entity_id=version.document_id, before=None,
                  after=_audit_state(version))
        idempotency.record(claim, uow, version.document_id)
        uow.commit()
    return version.document_id


def _audit_state(version: docdomain.DocumentVersion) -> dict:
    return {"document_id": version.document_id, "kind": version.kind.value, "owner_unit_id": version.owner_unit_id,
            "number": version.number, "status": version.status.value, "title": version.title,
            "body": version.body, "unit_ids": version.unit_ids, "step_ids": version.step_ids,
            "established_at": version.established_at, "review_date": version.review_date,
            "superseded_at": version.superseded_at, "revision": version.revision}


def _change(platform: Platform, principal: Principal, document_id, number: int, action: str,
            change: Callable, precondition: VersionPrecondition | None, *,
            allowed: Callable = may_draft, refusal=("Du får inte ändra detta dokument.",
                                                    "You may not change this document."),
            reset_review_marker: bool = False) -> docdomain.DocumentVersion:
    """Load a version under the document's row lock, check, let the domain change it, save, audit, emit."""
    with platform.uow() as uow:
        version = load_version(uow, principal, document_id, number, for_update=True)
        if precondition is not None:
            precondition(version)
        if not allowed(uow, principal, version.owner_unit_id):
            raise NotYourDocument(*refusal)
        before, revision, at = _audit_state(version), version.revision, utcnow()
        others = change(uow, version, at) or []
        if not db.update_version(uow, version, revision, at, reset_review_marker=reset_review_marker):
            raise StaleVersion()
        for other, other_revision in others:
            if not db.update_version(uow, other, other_revision, at):
                raise StaleVersion()
        db.refresh_headline(uow, principal.tenant, version.document_id, at, version.document_revision)
        uow.audit(tenant=principal.tenant, actor=principal.subject, action=f"document_version.{action}",
                  entity_type=DOCUMENT_ENTITY, entity_id=version.document_id, before=before,
                  after=_audit_state(version))
        for event in version.pull_events():
            uow.add_event(event)
        uow.commit()
    return version


def update_draft(platform: Platform, principal: Principal, document_id, number: int, *, title=None, body=None,
                 unit_ids=None, step_ids=None, precondition: VersionPrecondition | None = None):
    def change(uow, version, _at):
        if version.author != principal.subject and not may_approve(uow, principal, version.owner_unit_id):
            raise NotYourDocument("Bara utkastets författare och beslutsfattare får ändra det.",
                                  "Only the draft's author and its approvers may edit it.")
        version.edit(title=title, body=body, unit_ids=unit_ids, step_ids=_step_links(step_ids))
        # The steps are checked when the edit names them: a link kept from before is never the edit's refusal.
        _check_units(uow, principal.tenant, version.owner_unit_id, version.unit_ids,
                     version.step_ids if step_ids is not None else ())
    return _change(platform, principal, document_id, number, "edited", change, precondition)


def submit_version(platform: Platform, principal: Principal, document_id, number: int,
                   precondition: VersionPrecondition | None = None):
    return _change(platform, principal, document_id, number, "submitted",
                   lambda _uow, version, at: version.submit(by=principal.subject, at=at), precondition)


def reject_version(platform: Platform, principal: Principal, document_id, number: int, *, reason: str,
                   precondition: VersionPrecondition | None = None):
    return _change(platform, principal, document_id, number, "rejected",
                   lambda _uow, version, _at: version.reject(reason=reason), precondition, allowed=may_approve,
                   refusal=("Du får inte besluta om detta dokument.", "You may not decide on this document."))


def establish_version(platform: Platform, principal: Principal, document_id, number: int, *,
                      decision_reference: str, review_date: date,
                      precondition: VersionPrecondition | None = None):
    def change(uow, version, at):
        document = db.get_document(uow, principal.tenant, version.document_id)
        previous = None
        if document.in_force_version is not None:
            previous = db.version_to_domain(document, db.get_version(uow, principal.tenant, version.document_id,
                                                                     document.in_force_version))
        previous_revision = previous.revision if previous is not None else None
        version.establish(by=principal.subject, at=at, decision_reference=decision_reference,
                          review_date=review_date, self_approval_allowed=db.self_approval_allowed(uow, principal.tenant),
                          previous=previous)
        if previous is not None:
            uow.audit(tenant=principal.tenant, actor=principal.subject, action="document_version.superseded",
                      entity_type=DOCUMENT_ENTITY, entity_id=previous.document_id,
                      before=None, after=_audit_state(previous))
            return [(previous, previous_revision)]
        return []
    return _change(platform, principal, document_id, number, "established", change, precondition,
                   allowed=may_approve,
                   refusal=("Du får inte fastställa detta dokument.", "You may not establish this document."))


def set_review_date(platform: Platform, principal: Principal, document_id, number: int, *, review_date: date,
                    precondition: VersionPrecondition | None = None):
    # A new date is a new review: the review-due event goes out again when it comes.
    return _change(platform, principal, document_id, number, "review_date_set",
                   lambda _uow, version, at: version.set_review_date(review_date, today=today_in_sweden(at)), precondition,
                   allowed=may_approve, reset_review_marker=True,
                   refusal=("Du får inte ändra revideringsdatum för detta dokument.",
                            "You may not set this document's review date."))


def new_version(platform: Platform, principal: Principal, document_id) -> docdomain.DocumentVersion:
    with platform.uow() as uow:
        document = db.get_document(uow, principal.tenant, str(document_id), for_update=True)
        newest = load_version(uow, principal, document_id)
        if not may_draft(uow, principal, newest.owner_unit_id):
            raise NotYourDocument("Du får inte skriva en ny version av detta dokument.",
                                  "You may not draft a new version of this document.")
        if document.in_works_version is not None:
            raise docdomain.VersionInTheWorks("Dokumentet har redan en version under arbete.",
                                              "The document already has a version in the works.")
        latest = db.version_to_domain(document, db.list_versions(uow, principal.tenant, str(document_id))[0])
        at = utcnow()
        version = latest.new_version(author=principal.subject, at=at)
        db.insert_version(uow, version, at)
        db.refresh_headline(uow, principal.tenant, version.document_id, at)
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="document_version.created",
                  entity_type=DOCUMENT_ENTITY, entity_id=version.document_id, before=None,
                  after=_audit_state(version))
        uow.commit()
    return version


def save_document_settings(platform: Platform, principal: Principal, *, self_approval_allowed: bool,
                           previous_revision: int) -> int:
    with platform.uow() as uow:
        revision = db.save_settings(uow, principal.tenant, self_approval_allowed=self_approval_allowed,
                                    previous_revision=previous_revision, at=utcnow())
        if not revision:
            raise StaleSettings()
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="document_settings.changed",
                  entity_type="document_settings", entity_id=principal.tenant, before=None,
                  after={"self_approval_allowed": self_approval_allowed})
        uow.commit()
    return revision


def notify_due_reviews(platform: Platform, *, today: date, batch: int = 100) -> int:
    """The worker's job: one review_due event per established version whose review date has come.

    Each claimed row gets its marker in the same transaction as its outbox event, under a row lock that a second
    worker skips (FOR UPDATE SKIP LOCKED): the event goes out once, whichever replica runs the job.
    """
    emitted = 0
    while True:
        with platform.uow() as uow:
            rows = db.claim_due_reviews(uow, today, batch)
            at = utcnow()
            for row in rows:
                revision = db.mark_review_due_notified(uow, row, at)
                if revision is not None:
                    uow.add_event(docdomain.review_due_event(
                        tenant=row.tenant, document_id=row.document_id, revision=revision, kind=row.kind,
                        owner_unit_id=row.owner_unit_id, version=row.number, review_date=row.review_date))
                    emitted += 1
            uow.commit()
        if len(rows) < batch:
            return emitted


# =====================================================================================================
# Roles and duties (issue 11): assign and end roles, read and reword each role's duties per phase.
#
# Who assigns: an administrator, any role anywhere in the tenant; a förvaltningschef, the unit roles below
# their own (verksamhetschef, enhetschef, MAS, MAR, kvalitetsutvecklare) at their units and the units below
# them. Process roles are an administrator's: a process is not in the org tree.
# =====================================================================================================


ASSIGNMENT_ENTITY = "role_assignment"
DUTIES_ENTITY = "role_duties"
ASSIGNERS = ("administrator", "forvaltningschef")
# What a förvaltningschef may assign within their subtree: the unit roles below their own.
FORVALTNINGSCHEF_ASSIGNS = frozenset({RoleKind.VERKSAMHETSCHEF, RoleKind.ENHETSCHEF, RoleKind.MAS, RoleKind.MAR,
                                      RoleKind.KVALITETSUTVECKLARE})
AssignmentPrecondition = Callable[[RoleAssignment], None]


class AssignmentNotFound(NotFound):

    def __init__(self, assignment_id):
        super().__init__("Uppdraget finns inte.", f"The role assignment {assignment_id} does not exist.")


class UnknownProcessForRole(Unprocessable):
    code = "unknown_process"

    def __init__(self, process_id):
        super().__init__("Processen finns inte.", f"The process {process_id} does not exist.")


class StaleAssignment(PreconditionFailed):

    def __init__(self, assignment_id):
        super().__init__("Uppdraget ändrades av någon annan; läs om det.",
                         f"The role assignment {assignment_id} was changed by someone else; read it again.")


class StaleDuties(PreconditionFailed):

    def __init__(self):
        super().__init__("Uppgifterna ändrades av någon annan; läs om dem.",
                         "The duties were changed by someone else; read them again.")


class MayNotAssign(Forbidden):

    def __init__(self):
        super().__init__("Du får inte tilldela eller avsluta den här rollen här; det gör en administratör, eller en "
                         "förvaltningschef för rollerna under sin egen i sin förvaltning.",
                         "You may not assign or end this role here; an administrator may, or a head of administration "
                         "for the roles below their own within their units.")


def check_process_exists(connection, tenant: str, process_id: str) -> None:
    """A process role is held at a process of the tenant's map, drafted or established (a processägare is named
    while the process is drafted); else 422 unknown_process. Another tenant's process is answered the same."""
    if not db.process_exists(connection, tenant, process_id):
        raise UnknownProcessForRole(process_id)


def _check_may_assign(connection, principal: Principal, role: RoleKind, unit_id: str | None) -> None:
    if principal.has_any("administrator"):
        return
    if principal.has_any("forvaltningschef") and role in FORVALTNINGSCHEF_ASSIGNS and unit_id is not None:
        if unit_id in subtree_ids(connection, db.org_units, principal.tenant, principal.org_units):
            return
    raise MayNotAssign()


def assign_role(platform: Platform, principal: Principal, *, role: str, user_id: str, display_name: str,
                valid_from: date, valid_to: date | None = None, unit_id: str | None = None,
                process_id: str | None = None, claim: idempotency.IdempotencyClaim | None = None) -> str:
    tenant = principal.tenant
    if not principal.has_any(*ASSIGNERS):
        raise MayNotAssign()
    # Ids as events and the org tree spell them (lower case), whatever case a client sent.
    unit_id, process_id = (unit_id.lower() if unit_id else None), (process_id.lower() if process_id else None)
    at = utcnow()
    with platform.uow() as uow:
        # The domain checks the role and its place first, so a unit role at a process is a 422 whoever asks.
        assignment = RoleAssignment.assign(tenant=tenant, role=role, user_id=user_id, display_name=display_name,
                                           valid_from=valid_from, valid_to=valid_to, unit_id=unit_id,
                                           process_id=process_id, at=at)
        if unit_id is not None:
            tenant_unit(uow, tenant, unit_id, closed=UnitClosed("En stängd enhet kan inte få nya roller.",
                                                               "A closed unit cannot be given roles."))
        else:
            check_process_exists(uow, tenant, process_id)
        _check_may_assign(uow, principal, assignment.role, unit_id)
        db.insert_assignment(uow, assignment, by=principal.subject)
        uow.audit(tenant=tenant, actor=principal.subject, action="role_assignment.assigned",
                  entity_type=ASSIGNMENT_ENTITY, entity_id=assignment.id, before=None, after=_audited(assignment))
        for event in assignment.pull_events():
            uow.add_event(event)
        idempotency.record(claim, uow, assignment.id)
        uow.commit()
    return assignment.id


def end_assignment(platform: Platform, principal: Principal, assignment_id,
                   precondition: AssignmentPrecondition | None = None) -> RoleAssignment:
    tenant = principal.tenant
    if not principal.has_any(*ASSIGNERS):
        raise MayNotAssign()
    with platform.uow() as uow:
        row = db.get_assignment(uow, tenant, str(assignment_id))
        if row is None:
            raise AssignmentNotFound(assignment_id)
        assignment = db.assignment_to_domain(row)
        if precondition is not None:
            precondition(assignment)
        _check_may_assign(uow, principal, assignment.role, assignment.unit_id)
        before, version = _audited(assignment), assignment.version
        assignment.end(utcnow())
        if not db.end_assignment(uow, assignment, version, by=principal.subject):
            raise StaleAssignment(assignment.id)
        uow.audit(tenant=tenant, actor=principal.subject, action="role_assignment.ended",
                  entity_type=ASSIGNMENT_ENTITY, entity_id=assignment.id, before=before, after=_audited(assignment))
        for event in assignment.pull_events():
            uow.add_event(event)
        uow.commit()
    return assignment


def _audited(assignment: RoleAssignment) -> dict:
    return {**assignment.state(), "display_name": assignment.display_name,
            "ended_at": assignment.ended_at.isoformat() if assignment.ended_at else None}


def assignment_view(assignment, today: date) -> dict:
    """A row or a RoleAssignment as the API shows it."""
    if not isinstance(assignment, RoleAssignment):
        assignment = db.assignment_to_domain(assignment)
    from .domain import ROLE_LABELS_SV
    return {"id": assignment.id, "role": assignment.role.value, "role_label_sv": ROLE_LABELS_SV[assignment.role],
            "unit_id": assignment.unit_id, "process_id": assignment.process_id, "user_id": assignment.user_id,
            "display_name": assignment.display_name, "valid_from": assignment.valid_from,
            "valid_to": assignment.valid_to, "ended_at": assignment.ended_at,
            "current": assignment.holds_on(today), "version": assignment.version}


# --- duties -------------------------------------------------------------------------------------------

def _duties_view(tenant_rows: dict, role: str, phase: str) -> dict:
    row = tenant_rows.get((role, phase))
    return {"role": role, "role_label_sv": DUTY_ROLE_LABELS_SV[role], "phase": phase,
            "phase_label_sv": PHASE_LABELS_SV[parse_phase(phase)],
            "duties": list(row.duties) if row is not None else ockero_duties(role, phase),
            "source": "tenant" if row is not None else "ockero", "version": row.version if row is not None else 1}


def list_duties(connection, tenant: str, *, role: str | None = None, phase: str | None = None) -> list[dict]:
    """Every role's duties per phase: the tenant's own wording where it has one, else the Öckerö seed."""
    from .domain import DUTY_ROLES, PdcaPhase
    rows = db.tenant_duties(connection, tenant, role=role, phase=phase)
    return [_duties_view(rows, r, p.value) for r in DUTY_ROLES if role in (None, r)
            for p in PdcaPhase if phase in (None, p.value)]


def read_duties(connection, tenant: str, role: str, phase: str) -> dict:
    role, phase = parse_duty_role(role), parse_phase(phase).value
    return _duties_view(db.tenant_duties(connection, tenant, role=role, phase=phase), role, phase)


def update_duties(platform: Platform, principal: Principal, role: str, phase: str, duties: list[str],
                  precondition: Callable[[dict], None] | None = None) -> dict:
    role, phase = parse_duty_role(role), parse_phase(phase).value
    duties = check_duties(duties)
    with platform.uow() as uow:
        current = read_duties(uow, principal.tenant, role, phase)
        if precondition is not None:
            precondition(current)
        if duties == current["duties"]:
            return current
        if not db.write_duties(uow, principal.tenant, role, phase, duties, read_version=current["version"],
                               by=principal.subject, at=utcnow()):
            raise StaleDuties()
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="role_duties.updated",
                  entity_type=DUTIES_ENTITY, entity_id=f"{role}.{phase}"[:36],
                  before={"role": role, "phase": phase, "version": current["version"], "duties": current["duties"]},
                  after={"role": role, "phase": phase, "version": current["version"] + 1, "duties": duties})
        uow.commit()
    return {**current, "duties": duties, "source": "tenant", "version": current["version"] + 1}


# =============================================================================
# The process map: processes, their versions and the templates
# =============================================================================
# The unit must be the caller's (another tenant's unit is reported as missing, so nothing leaks); so must a
# parent process. Each command takes the tenant's process lock, loads the process with its versions, lets
# the domain decide and writes the process, an audit record and the domain's events in one unit of work.


PROCESS_ENTITY_TYPE = "process"
ProcessPrecondition = Callable[[Process], None]


class ProcessNotFound(NotFound):
    def __init__(self, process_id):
        super().__init__("Processen finns inte.", f"The process {process_id} does not exist.")


class ProcessVersionNotFound(NotFound):
    def __init__(self, number):
        super().__init__("Processen har ingen sådan version.", f"The process has no version {number}.")


class TemplateNotFound(NotFound):
    def __init__(self):
        super().__init__("Det finns ingen sådan processmall.", "There is no such process template.")


class ParentProcessNotFound(Unprocessable):
    code = "parent_process_not_found"

    def __init__(self, process_id):
        super().__init__("Den överordnade processen finns inte.", f"The parent process {process_id} does not exist.")


def _process_state(process: Process) -> dict:
    latest = process.versions[-1]
    return {"process_id": process.id, "unit_id": process.unit_id, "parent_id": process.parent_id,
            "kind": process.kind.value, "template_code": process.template_code, "version": latest.number,
            "status": latest.status.value, "owner_role": latest.owner_role.value,
            "established_on": latest.established_on.isoformat() if latest.established_on else None,
            "revision": process.revision}


def _parent_process(uow, tenant: str, parent_id) -> Process | None:
    if parent_id is None:
        return None
    parent = db.get_process(uow, tenant, str(parent_id))
    if parent is None:
        raise ParentProcessNotFound(parent_id)
    return parent


def _load_process(uow, tenant: str, process_id, precondition: ProcessPrecondition | None) -> Process:
    process = db.get_process(uow, tenant, str(process_id), for_update=True)
    if process is None:
        raise ProcessNotFound(process_id)
    if precondition is not None:
        precondition(process)
    return process


def _write(uow, principal: Principal, process: Process, before: dict | None, previous_revision: int | None,
           action: str) -> None:
    if not db.save_process(uow, process, previous_revision, utcnow()):
        raise PreconditionFailed("Processen har ändrats av någon annan; läs den igen.",
                                 "The process was changed by someone else; read it again.")
    uow.audit(tenant=process.tenant, actor=principal.subject, action=f"process.{action}",
              entity_type=PROCESS_ENTITY_TYPE, entity_id=process.id, before=before, after=_process_state(process))
    for event in process.pull_events():
        uow.add_event(event)


def create_process(platform: Platform, principal: Principal, *, unit_id, kind: str, content: dict,
                   parent_id=None, template_code: str | None = None,
                   claim: idempotency.IdempotencyClaim | None = None) -> str:
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_processes(uow.connection, tenant)
        tenant_unit(uow, tenant, unit_id)
        parent = _parent_process(uow, tenant, parent_id)
        process = Process.draft_new(tenant=tenant, unit_id=str(unit_id), kind=kind, parent=parent, content=content,
                                    at=utcnow(), by=principal.subject, template_code=template_code)
        _write(uow, principal, process, None, None, "drafted")
        idempotency.record(claim, uow, process.id)
        uow.commit()
    return process.id


def update_process_draft(platform: Platform, principal: Principal, process_id, *, content: dict, kind: str | None = None,
                 parent_id=..., unit_id=None, precondition: ProcessPrecondition | None = None) -> Process:
    """Edit the draft; `parent_id` ... (Ellipsis) leaves the parent as it is, None makes it a process of its own."""
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_processes(uow.connection, tenant)
        process = _load_process(uow, tenant, process_id, precondition)
        before, revision = _process_state(process), process.revision
        if unit_id is not None:
            tenant_unit(uow, tenant, unit_id)
        if parent_id is not ...:
            parent = _parent_process(uow, tenant, parent_id)
            process.place_under(parent, db.process_ancestors(uow, tenant, parent.id) if parent else [])
        process.edit_draft(content, kind=kind)
        if unit_id is not None:
            process.unit_id = str(unit_id)
        _write(uow, principal, process, before, revision, "draft_updated")
        uow.commit()
    return process


def reorder_steps(platform: Platform, principal: Principal, process_id, *, step_ids: list[str],
                  precondition: ProcessPrecondition | None = None) -> Process:
    tenant = principal.tenant
    with platform.uow() as uow:
        process = _load_process(uow, tenant, process_id, precondition)
        before, revision = _process_state(process), process.revision
        process.reorder_steps([str(i) for i in step_ids])
        _write(uow, principal, process, before, revision, "steps_reordered")
        uow.commit()
    return process


def establish_process(platform: Platform, principal: Principal, process_id, *, established_on: date | None,
                      decision_reference: str | None, precondition: ProcessPrecondition | None = None) -> Process:
    tenant = principal.tenant
    with platform.uow() as uow:
        process = _load_process(uow, tenant, process_id, precondition)
        before, revision = _process_state(process), process.revision
        at = utcnow()
        process.establish(at=at, by=principal.subject, established_on=established_on or today_in_sweden(at),
                          decision_reference=decision_reference)
        _write(uow, principal, process, before, revision, "established")
        uow.commit()
    return process


def revise_process(platform: Platform, principal: Principal, process_id,
                   precondition: ProcessPrecondition | None = None) -> Process:
    tenant = principal.tenant
    with platform.uow() as uow:
        process = _load_process(uow, tenant, process_id, precondition)
        before, revision = _process_state(process), process.revision
        process.revise(at=utcnow(), by=principal.subject)
        _write(uow, principal, process, before, revision, "revision_started")
        uow.commit()
    return process


def copy_template(platform: Platform, principal: Principal, code: str, *, unit_id,
                  claim: idempotency.IdempotencyClaim | None = None) -> str:
    template = PROCESS_TEMPLATES.get(code)
    if template is None:
        raise TemplateNotFound()
    content = {"name": template["name"], "purpose": template["purpose"],
               "steps": [dict(step) for step in template["steps"]]}
    return create_process(platform, principal, unit_id=unit_id, kind=template["kind"], content=content,
                          template_code=code, claim=claim)


# =============================================================================
# Quality goals (kvalitetsmål)
# =============================================================================
# A goal's unit must be one of the caller's tenant; a unit of another tenant is reported exactly like a
# unit that does not exist. Measurements go in all or nothing: a hand-entered one, or every row of an
# upload in one transaction with one event per stored measurement.


GOAL_ENTITY_TYPE = "quality_goal"
INDICATOR_ENTITY_TYPE = "goal_indicator"
MEASUREMENT_ENTITY_TYPE = "goal_measurement"


class GoalNotFound(NotFound):
    code = "goal_not_found"

    def __init__(self, goal_id):
        super().__init__("Kvalitetsmålet finns inte.", f"The quality goal {goal_id} does not exist.")


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"

    def __init__(self, indicator_id):
        super().__init__("Indikatorn finns inte.", f"The indicator {indicator_id} does not exist.")


class StaleGoal(PreconditionFailed):

    def __init__(self, goal_id):
        super().__init__("Kvalitetsmålet ändrades av någon annan; läs om det.",
                         f"The quality goal {goal_id} was changed by someone else; read it again.")


def _load_goal(uow, tenant: str, goal_id, precondition=None) -> goal_domain.QualityGoal:
    row = db.get_goal(uow, tenant, str(goal_id))
    if row is None:
        raise GoalNotFound(goal_id)
    goal = db.goal_to_domain(row)
    if precondition is not None:
        precondition(goal)
    return goal


def _load_indicator(uow, tenant: str, goal_id, indicator_id) -> goal_domain.Indicator:
    row = db.get_indicator(uow, tenant, str(goal_id), str(indicator_id))
    if row is None:
        raise IndicatorNotFound(indicator_id)
    return db.indicator_to_domain(row)


def create_goal(platform: Platform, principal: Principal, *, unit_id, title: str, description: str,
                period_start, period_end, claim: idempotency.IdempotencyClaim | None = None) -> str:
    tenant = principal.tenant
    with platform.uow() as uow:
        tenant_unit(uow, tenant, unit_id, closed=goal_domain.GoalRuleViolation("Enheten är stängd.",
                                                                              "The unit is closed."))
        goal = goal_domain.QualityGoal.create(tenant=tenant, unit_id=str(unit_id), title=title,
                                              description=description, period_start=period_start,
                                              period_end=period_end)
        db.insert_goal(uow, goal, utcnow())
        uow.audit(tenant=tenant, actor=principal.subject, action="quality_goal.created",
                  entity_type=GOAL_ENTITY_TYPE, entity_id=goal.id, before=None, after=goal.state())
        idempotency.record(claim, uow, goal.id)
        uow.commit()
    return goal.id


def update_goal(platform: Platform, principal: Principal, goal_id, *, changes: dict,
                precondition=None) -> goal_domain.QualityGoal:
    with platform.uow() as uow:
        goal = _load_goal(uow, principal.tenant, goal_id, precondition)
        before, revision = goal.state(), goal.revision
        goal.update(**changes)
        if not db.update_goal(uow, goal, revision, utcnow()):
            raise StaleGoal(goal.id)
        uow.audit(tenant=goal.tenant, actor=principal.subject, action="quality_goal.updated",
                  entity_type=GOAL_ENTITY_TYPE, entity_id=goal.id, before=before, after=goal.state())
        uow.commit()
    return goal


def close_goal(platform: Platform, principal: Principal, goal_id, precondition=None) -> goal_domain.QualityGoal:
    with platform.uow() as uow:
        goal = _load_goal(uow, principal.tenant, goal_id, precondition)
        before, revision = goal.state(), goal.revision
        goal.close(utcnow())
        if not db.update_goal(uow, goal, revision, utcnow()):
            raise StaleGoal(goal.id)
        uow.audit(tenant=goal.tenant, actor=principal.subject, action="quality_goal.closed",
                  entity_type=GOAL_ENTITY_TYPE, entity_id=goal.id, before=before, after=goal.state())
        uow.commit()
    return goal


def add_indicator(platform: Platform, principal: Principal, goal_id, *, name: str, unit_of_measure: str,
                  direction: str, target: Decimal, frequency: str, target_max=None, threshold=None,
                  source=None) -> str:
    tenant = principal.tenant
    with platform.uow() as uow:
        goal = _load_goal(uow, tenant, goal_id)
        goal.ensure_open()
        indicator = goal_domain.Indicator.create(
            tenant=tenant, goal_id=goal.id, name=name, unit_of_measure=unit_of_measure, direction=direction,
            target=target, frequency=frequency, target_max=target_max, threshold=threshold, source=source)
        db.insert_indicator(uow, indicator, utcnow())
        uow.audit(tenant=tenant, actor=principal.subject, action="goal_indicator.created",
                  entity_type=INDICATOR_ENTITY_TYPE, entity_id=indicator.id, before=None, after={
                      "indicator_id": indicator.id, "goal_id": goal.id, "unit_of_measure": indicator.unit_of_measure,
                      "direction": indicator.direction.value, "target": str(indicator.target),
                      "frequency": indicator.frequency.value})
        uow.commit()
    return indicator.id


def _store(uow, principal: Principal, goal, indicator, rows) -> list:
    stored = len(db.stored_periods(uow, goal.tenant, indicator.id))
    measurements = [goal.record(indicator, period, value, note, version=stored + number)
                    for number, (period, value, note) in enumerate(rows, start=1)]
    db.insert_measurements(uow, measurements, actor=principal.subject, at=utcnow())
    uow.audit(tenant=goal.tenant, actor=principal.subject, action="goal_measurement.recorded",
              entity_type=MEASUREMENT_ENTITY_TYPE, entity_id=indicator.id, before=None,
              after={"indicator_id": indicator.id, "period": [m.period.text for m in measurements],
                     "rows": len(measurements)})
    for event in goal.pull_events():
        uow.add_event(event)
    return measurements


def record_measurement(platform: Platform, principal: Principal, goal_id, indicator_id, *, period: str,
                       value, note: str | None = None):
    """One measurement entered by hand; a period already measured is refused (409), never overwritten."""
    tenant = principal.tenant
    with platform.uow() as uow:
        goal = _load_goal(uow, tenant, goal_id)
        indicator = _load_indicator(uow, tenant, goal.id, indicator_id)
        goal.ensure_open()
        try:
            parsed_period = goal_domain.parse_period(period, indicator.frequency)
        except ValueError as exc:
            raise goal_domain.InvalidGoalPeriod(*exc.args) from None
        try:
            parsed_value = goal_domain.parse_value(value)
        except ValueError as exc:
            raise goal_domain.InvalidValue(*exc.args) from None
        db.lock_indicator(uow.connection, tenant, indicator.id)
        if parsed_period.text in db.stored_periods(uow, tenant, indicator.id):
            raise goal_domain.PeriodAlreadyMeasured("Perioden har redan ett mätvärde.",
                                                    "The period already has a measurement.")
        [measurement] = _store(uow, principal, goal, indicator, [(parsed_period, parsed_value, note)])
        uow.commit()
    return measurement, indicator


def import_measurements(platform: Platform, principal: Principal, goal_id, indicator_id, *, csv_text: str) -> list:
    """Every row of an upload, or none: any bad row raises CsvRejected listing all of them."""
    tenant = principal.tenant
    with platform.uow() as uow:
        goal = _load_goal(uow, tenant, goal_id)
        indicator = _load_indicator(uow, tenant, goal.id, indicator_id)
        goal.ensure_open()
        db.lock_indicator(uow.connection, tenant, indicator.id)
        rows = goal_domain.parse_measurements_csv(csv_text, indicator.frequency,
                                                  db.stored_periods(uow, tenant, indicator.id))
        measurements = _store(uow, principal, goal, indicator, [(r.period, r.value, r.note) for r in rows])
        uow.commit()
    return measurements

