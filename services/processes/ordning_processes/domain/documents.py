"""Governing documents (styrdokument): rutiner, checklistor, riktlinjer and the others, each owned by a unit,
linked to units and process steps, and versioned.

A version's life: draft (utkast) -> for_approval (för beslut) -> established (fastställd: by whom, when, with a
decision reference and a review date) -> superseded (ersatt) once a newer version is established. A version up
for approval can be sent back to draft with a reason. An established or superseded version is never edited: a
change is a new version, a draft copied from the newest one.

Plain Python: no Flask, no database session; the service passes in what a rule needs (who may approve, the
tenant's setting on approving one's own draft).

Decisions written down here:
- The kinds are a fixed list with `annat` (other styrdokument) for what does not fit: a kind decides nothing in
  the rules, and a fixed list keeps the events free of text.
- Title, text and links belong to the version: an established version shows exactly what was decided.
- A document has at most one version in the works (draft or for_approval) at a time.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.problems import Conflict, Forbidden, Problem
from ordning_shared.workdays import today_in_sweden

__all__ = [
    "DocumentKind", "DOCUMENT_KIND_LABELS_SV", "VersionStatus", "VERSION_STATUS_LABELS_SV",
    "DOCUMENT_VERSION_ESTABLISHED", "DOCUMENT_VERSION_SUPERSEDED", "DOCUMENT_REVIEW_DUE", "DOCUMENT_EVENT_TYPES",
    "DOCUMENT_EVENT_FIELDS", "TITLE_MAX_LENGTH", "BODY_MAX_LENGTH", "DECISION_REFERENCE_MAX_LENGTH",
    "REASON_MAX_LENGTH", "MAX_LINKS", "DocumentRuleViolation", "VersionNotEditable", "VersionInTheWorks",
    "SelfApprovalForbidden", "DocumentVersion", "review_due_event",
]

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
DECISION_REFERENCE_MAX_LENGTH = 100
REASON_MAX_LENGTH = 2000
MAX_LINKS = 200


class DocumentKind(str, Enum):
    RUTIN = "rutin"
    CHECKLISTA = "checklista"
    RIKTLINJE = "riktlinje"
    INSTRUKTION = "instruktion"
    POLICY = "policy"
    PLAN = "plan"
    ANNAT = "annat"  # another kind of styrdokument


DOCUMENT_KIND_LABELS_SV = {
    DocumentKind.RUTIN: "Rutin", DocumentKind.CHECKLISTA: "Checklista", DocumentKind.RIKTLINJE: "Riktlinje",
    DocumentKind.INSTRUKTION: "Instruktion", DocumentKind.POLICY: "Policy", DocumentKind.PLAN: "Plan",
    DocumentKind.ANNAT: "Annat styrdokument",
}


class VersionStatus(str, Enum):
    DRAFT = "draft"
    FOR_APPROVAL = "for_approval"
    ESTABLISHED = "established"
    SUPERSEDED = "superseded"


VERSION_STATUS_LABELS_SV = {
    VersionStatus.DRAFT: "Utkast", VersionStatus.FOR_APPROVAL: "För beslut",
    VersionStatus.ESTABLISHED: "Fastställd", VersionStatus.SUPERSEDED: "Ersatt",
}
IN_THE_WORKS = frozenset({VersionStatus.DRAFT, VersionStatus.FOR_APPROVAL})

DOCUMENT_VERSION_ESTABLISHED = "se.ordning.document.version_established.v1"
DOCUMENT_VERSION_SUPERSEDED = "se.ordning.document.version_superseded.v1"
DOCUMENT_REVIEW_DUE = "se.ordning.document.review_due.v1"
DOCUMENT_EVENT_TYPES = (DOCUMENT_VERSION_ESTABLISHED, DOCUMENT_VERSION_SUPERSEDED, DOCUMENT_REVIEW_DUE)
# The allow-list of each event's data: ids, codes, numbers and dates; never a title, a text or a person.
# `version` is the document version the event is about; `revision` the document's revision after the event (its
# CloudEvents sequence), which grows with every event of the document, so a consumer can refuse older news.
DOCUMENT_EVENT_FIELDS = {
    DOCUMENT_VERSION_ESTABLISHED: ("document_id", "revision", "kind", "owner_unit_id", "unit_ids", "step_ids",
                                   "version", "established_on", "review_date", "superseded_version"),
    DOCUMENT_VERSION_SUPERSEDED: ("document_id", "revision", "kind", "owner_unit_id", "version", "superseded_on",
                                  "superseded_by_version"),
    DOCUMENT_REVIEW_DUE: ("document_id", "revision", "kind", "owner_unit_id", "version", "review_date"),
}


class DocumentRuleViolation(Problem):
    http_status, code = 422, "document_rule_violation"


class VersionNotEditable(Conflict):
    code = "version_not_editable"


class VersionInTheWorks(Conflict):
    code = "version_in_the_works"


class SelfApprovalForbidden(Forbidden):
    code = "self_approval_forbidden"


def _event(type_: str, tenant: str, document_id: str, revision: int, **data) -> DomainEvent:
    allowed = DOCUMENT_EVENT_FIELDS[type_]
    assert set(data) <= set(allowed), set(data) - set(allowed)
    return DomainEvent(type=type_, tenant=tenant, subject=document_id,
                       data={"document_id": document_id, "revision": revision, **data}, sequence=revision)


@dataclass
class DocumentVersion:
    """One version of a document with the document's own fixed facts (kind, owner unit) beside it."""

    tenant: str
    document_id: str
    kind: DocumentKind
    owner_unit_id: str
    number: int
    status: VersionStatus
    title: str
    body: str
    unit_ids: list[str]
    step_ids: list[str]
    author: str
    created_at: datetime
    revision: int = 1
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    established_at: datetime | None = None
    established_by: str | None = None
    decision_reference: str | None = None
    review_date: date | None = None
    superseded_at: datetime | None = None
    rejected_reason: str | None = None
    document_revision: int = 1  # the document's revision: one more with each event of the document
    events: list = field(default_factory=list)

    @classmethod
    def first_draft(cls, *, tenant: str, kind, owner_unit_id: str, title: str, body: str, unit_ids, step_ids,
                    author: str, at: datetime, document_id: str | None = None) -> "DocumentVersion":
        return cls(tenant=tenant, document_id=document_id or str(uuid.uuid4()), kind=DocumentKind(kind),
                   owner_unit_id=str(owner_unit_id), number=1, status=VersionStatus.DRAFT, title=title, body=body,
                   unit_ids=_links(unit_ids), step_ids=_links(step_ids), author=author, created_at=at)

    def new_version(self, *, author: str, at: datetime) -> "DocumentVersion":
        """The next version: a draft copied from this one (the newest established or superseded)."""
        if self.status in IN_THE_WORKS:
            raise VersionInTheWorks("Dokumentet har redan en version under arbete.",
                                    "The document already has a version in the works.")
        return DocumentVersion(tenant=self.tenant, document_id=self.document_id, kind=self.kind,
                               document_revision=self.document_revision,
                               owner_unit_id=self.owner_unit_id, number=self.number + 1, status=VersionStatus.DRAFT,
                               title=self.title, body=self.body, unit_ids=list(self.unit_ids),
                               step_ids=list(self.step_ids), author=author, created_at=at)

    @property
    def linked_unit_ids(self) -> list[str]:
        """The units whose employees read the established version: the owner and the linked units."""
        return _links([self.owner_unit_id, *self.unit_ids])

    def _require(self, *statuses: VersionStatus) -> None:
        if self.status not in statuses:
            if self.status in (VersionStatus.ESTABLISHED, VersionStatus.SUPERSEDED):
                raise VersionNotEditable(
                    "En fastställd version kan inte ändras; skapa en ny version.",
                    "An established version is never changed; make a new version.")
            raise VersionNotEditable("Versionen har inte den status som krävs för detta.",
                                     "The version does not have the status this needs.")

    def edit(self, *, title=None, body=None, unit_ids=None, step_ids=None) -> None:
        self._require(VersionStatus.DRAFT)
        if title is not None:
            self.title = title
        if body is not None:
            self.body = body
        if unit_ids is not None:
            self.unit_ids = _links(unit_ids)
        if step_ids is not None:
            self.step_ids = _links(step_ids)
        self.revision += 1

    def submit(self, *, by: str, at: datetime) -> None:
        self._require(VersionStatus.DRAFT)
        if not self.body.strip():
            raise DocumentRuleViolation("Ett tomt dokument kan inte lämnas för beslut.",
                                        "An empty document cannot be put up for approval.")
        self.status, self.submitted_at, self.submitted_by, self.rejected_reason = (
            VersionStatus.FOR_APPROVAL, at, by, None)
        self.revision += 1

    def reject(self, *, reason: str) -> None:
        self._require(VersionStatus.FOR_APPROVAL)
        self.status, self.rejected_reason, self.submitted_at, self.submitted_by = (
            VersionStatus.DRAFT, reason, None, None)
        self.revision += 1

    def establish(self, *, by: str, at: datetime, decision_reference: str, review_date: date,
                  self_approval_allowed: bool, previous: "DocumentVersion | None") -> None:
        """Fastställ: the version in force from now; `previous` (the one in force until now) is superseded."""
        self._require(VersionStatus.FOR_APPROVAL)
        if not self_approval_allowed and by in {self.author, self.submitted_by}:
            raise SelfApprovalForbidden(
                "Kommunen tillåter inte att man fastställer sitt eget utkast; en annan beslutsfattare behövs.",
                "The tenant does not allow approving one's own draft; another approver is needed.")
        if review_date <= today_in_sweden(at):
            raise DocumentRuleViolation("Revideringsdatumet måste ligga efter dagens datum.",
                                        "The review date must be after today.")
        self.status, self.established_at, self.established_by = VersionStatus.ESTABLISHED, at, by
        self.decision_reference, self.review_date = decision_reference, review_date
        self.revision += 1
        if previous is not None:
            previous.document_revision = self.document_revision
            previous.supersede(by_version=self.number, at=at)
            self.events.extend(previous.pull_events())
            self.document_revision = previous.document_revision
        self.document_revision += 1
        self.events.append(_event(
            DOCUMENT_VERSION_ESTABLISHED, self.tenant, self.document_id, self.document_revision, kind=self.kind.value,
            owner_unit_id=self.owner_unit_id, unit_ids=list(self.unit_ids), step_ids=list(self.step_ids),
            version=self.number, established_on=today_in_sweden(at).isoformat(), review_date=review_date.isoformat(),
            superseded_version=previous.number if previous is not None else None))

    def supersede(self, *, by_version: int, at: datetime) -> None:
        self._require(VersionStatus.ESTABLISHED)
        self.status, self.superseded_at = VersionStatus.SUPERSEDED, at
        self.revision += 1
        self.document_revision += 1
        self.events.append(_event(
            DOCUMENT_VERSION_SUPERSEDED, self.tenant, self.document_id, self.document_revision, kind=self.kind.value,
            owner_unit_id=self.owner_unit_id, version=self.number, superseded_on=today_in_sweden(at).isoformat(),
            superseded_by_version=by_version))

    def set_review_date(self, review_date: date, *, today: date) -> None:
        self._require(VersionStatus.ESTABLISHED)
        if review_date <= today:
            raise DocumentRuleViolation("Revideringsdatumet måste ligga efter dagens datum.",
                                        "The review date must be after today.")
        # The review date is the one fact of an established version that may move: it is when to look at the
        # text again, not part of what was decided.
        self.review_date = review_date
        self.revision += 1

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events


def review_due_event(*, tenant: str, document_id: str, revision: int, kind: str, owner_unit_id: str, version: int,
                     review_date: date) -> DomainEvent:
    """The notice that an established version's review date has come; `revision` is the document's after it."""
    return _event(DOCUMENT_REVIEW_DUE, tenant, document_id, revision, kind=kind, owner_unit_id=owner_unit_id,
                  version=version, review_date=review_date.isoformat())


def _links(ids) -> list[str]:
    """Ids in their first order, once each."""
    seen: list[str] = []
    for value in ids or ():
        value = str(value)
        if value not in seen:
            seen.append(value)
    if len(seen) > MAX_LINKS:
        raise DocumentRuleViolation(f"Högst {MAX_LINKS} länkar per dokument.", f"A document may have at most {MAX_LINKS} links.")
    return seen

