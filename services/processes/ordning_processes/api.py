"""HTTP for the organisation tree: parse, call service.py, render.

Reads: any authenticated user of the tenant. Writes: the role `administrator`.
A citizen reads the open units of a tenant at /api/v1/public/<tenant>/org-units.
"""
from __future__ import annotations

import re

from flask import current_app
from flask.views import MethodView

from ordning_shared import idempotency, openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag, require_roles
from ordning_shared.markdown import render as _render_markdown
from ordning_shared.pagination import InvalidCursor, Sort
from ordning_shared.problems import Forbidden, NotFound

from . import db, domain, service
from .domain import (PROCESS_KIND_LABELS_SV, PROCESS_TEMPLATES, SAMVERKAN_LABELS_SV, DraftExists, InvalidProcessParent,
                     NoDraft, ProcessCycle, ProcessRuleViolation, SamverkanActor, UnknownProcessRole, UnknownStep)
from .domain import documents as docdomain
from .schemas import UnitExternalProviderSchema
from .schemas import (AssignmentCreateSchema, AssignmentEndSchema, AssignmentListQuerySchema, AssignmentListSchema,
                      AssignmentSchema, AttainmentQuerySchema, CsvImportResultSchema, DocumentCreateSchema,
                      DocumentListQuerySchema, DocumentListSchema, DocumentSchema, DocumentSettingsSchema,
                      DraftUpdateSchema, DutiesListSchema, DutiesQuerySchema, DutiesSchema, DutiesUpdateSchema,
                      EmptyBodySchema, EstablishSchema, GoalAttainmentSchema, GoalCloseSchema, GoalCreateSchema,
                      GoalListQuerySchema, GoalListSchema, GoalSchema, GoalUpdateSchema, HistorySchema,
                      IndicatorCreateSchema, IndicatorListSchema, IndicatorSchema, MeasurementCreateSchema,
                      MeasurementImportSchema, MeasurementListSchema, MeasurementSchema, ProcessCreateSchema,
                      ProcessDraftUpdateSchema, ProcessListQuerySchema, ProcessListSchema, ProcessSchema,
                      ProcessVersionSchema, PublicUnitListSchema, ReviewDateSchema, StepOrderSchema, TemplateCopySchema,
                      TemplateListSchema, UnitCloseSchema, UnitCreateSchema, UnitListQuerySchema, UnitListSchema,
                      UnitMoveSchema, UnitRenameSchema, UnitSchema, VersionEstablishSchema, VersionListSchema,
                      VersionRejectSchema, VersionSchema, VersionSubmitSchema)


WRITER_ROLES = ("administrator",)
PREFIX = "/api/v1/org-units"
TENANT_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,16}$")

UNIT_ID = {"description": "The unit's id (a UUID).", "example": "27460a56-bb16-57e0-90af-507fac38efb8"}

blp = Blueprint("org", __name__, url_prefix=PREFIX, path_parameters={"unit_id": UNIT_ID},
                description="The organisation tree of a municipality: boards (nämnd), administrations "
                            "(förvaltning), divisions (verksamhetsområde), units (enhet) and external providers "
                            "(utförare i privat regi).")
public_blp = Blueprint("org_public", __name__, url_prefix="/api/v1/public",
                       description="Reads open to anyone, without a token: what a citizen's feedback form needs.")


def _platform():
    return current_app.extensions["ordning"]


def _headers(unit) -> dict:
    return {"ETag": etag(unit.id, unit.revision)}


def _if_match(unit) -> None:
    check_if_match(unit.id, unit.revision)


def _read(unit_id) -> dict:
    principal = current_principal()
    with _platform().engine.connect() as connection:
        row = db.get_unit(connection, principal.tenant, str(unit_id))
    if row is None:
        raise service.UnitNotFound(unit_id)
    return db.view(row)


@blp.route("")
class OrgUnits(MethodView):
    @blp.arguments(UnitListQuerySchema, location="query")
    @blp.response(200, UnitListSchema)
    def get(self, query):
        """List the units of your municipality

        Every authenticated user of the tenant may read the tree. Open units only, unless include_closed;
        filtered by kind and by a subtree (under).
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            rows = db.list_units(connection, principal.tenant, include_closed=query["include_closed"],
                                 kind=query["kind"], under=str(query["under"]) if query["under"] else None)
        items = [db.view(row) for row in rows]
        return {"items": items, "count": len(items)}

    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema, headers={**openapi.CREATED, "Idempotent-Replayed": {
        "description": "true when the answer repeats an earlier creation with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]}, "example": "true"}})
    @blp.raises(Forbidden, domain.ParentNotFound, domain.CrossTenant, domain.InvalidParent, domain.InvalidName,
                domain.InvalidKind, domain.UnitClosed, service.UnitIdTaken)
    @blp.idempotent
    def post(self, args):
        """Create a unit

        For an administrator. The unit's kind decides what it may sit under: a board (nämnd) is a root, an
        administration sits under a board, a division or a unit under an administration or a division. The
        answer carries the unit's ETag and its Location; an Idempotency-Key makes a retry safe.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        platform = _platform()
        resource, status, replayed = idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload=args,
            resource_type=service.ENTITY_TYPE,
            create=lambda claim: service.create_unit(
                platform, principal, kind=args["kind"], name=args["name"], parent_id=args["parent_id"],
                unit_id=args["id"], claim=claim, external_provider=args.get("external_provider", False)),
            load=_read,
        )
        headers = {"Location": f"{PREFIX}/{resource['id']}", "ETag": etag(resource["id"], resource["revision"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return resource, status, headers


@blp.route("/<uuid:unit_id>")
class OrgUnitById(MethodView):
    @blp.response(200, UnitSchema, headers=openapi.ETAG)
    def get(self, unit_id):
        """Read one unit

        The answer's ETag is what a rename, move or close needs in If-Match.
        """
        unit = _read(unit_id)
        return unit, {"ETag": etag(unit["id"], unit["revision"])}

    @blp.arguments(UnitRenameSchema)
    @blp.response(200, UnitSchema, headers=openapi.ETAG)
    @blp.raises(Forbidden, domain.UnitClosed, domain.InvalidName)
    @blp.checks_if_match
    def patch(self, args, unit_id):
        """Rename a unit

        For an administrator, with If-Match; a closed unit cannot be renamed. The old name stays in the
        unit's history.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        unit = service.rename_unit(_platform(), principal, unit_id, name=args["name"], precondition=_if_match)
        return db.view(unit), _headers(unit)


@blp.route("/<uuid:unit_id>/history")
class OrgUnitHistory(MethodView):
    @blp.response(200, HistorySchema)
    def get(self, unit_id):
        """Read a unit's history

        Every revision of the unit, oldest first: created, renamed, moved, closed; who made it and when.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            if db.get_unit(connection, principal.tenant, str(unit_id)) is None:
                raise service.UnitNotFound(unit_id)
            rows = db.history(connection, principal.tenant, str(unit_id))
        return {"unit_id": str(unit_id), "items": [row._asdict() for row in rows]}


@blp.route("/<uuid:unit_id>/external-provider")
class UnitExternalProvider(MethodView):
    @blp.arguments(UnitExternalProviderSchema)
    @blp.response(200, UnitSchema, headers=openapi.ETAG)
    @blp.raises(Forbidden, domain.UnitClosed, domain.InvalidKind)
    @blp.checks_if_match
    def put(self, args, unit_id):
        """Mark a unit as an external provider, or not

        For an administrator, with If-Match; not on a closed unit. An external provider (utförare i privat regi)
        reports its lex Sarah and lex Maria cases to IVO itself, and the municipality follows the reports up.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        unit = service.set_external_provider(_platform(), principal, unit_id,
                                             external_provider=args["external_provider"], precondition=_if_match)
        return db.view(unit), _headers(unit)


@blp.route("/<uuid:unit_id>/move")
class OrgUnitMove(MethodView):
    @blp.arguments(UnitMoveSchema)
    @blp.response(200, UnitSchema, headers=openapi.ETAG)
    @blp.raises(Forbidden, domain.ParentNotFound, domain.CrossTenant, domain.InvalidParent, domain.UnitClosed,
                domain.CycleError)
    @blp.checks_if_match
    def post(self, args, unit_id):
        """Move a unit

        For an administrator, with If-Match: under another parent (one its kind may sit under, never below
        itself), or, with parent_id null, to a root.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        unit = service.move_unit(_platform(), principal, unit_id, parent_id=args["parent_id"],
                                 precondition=_if_match)
        return db.view(unit), _headers(unit)


@blp.route("/<uuid:unit_id>/close")
class OrgUnitClose(MethodView):
    @blp.arguments(UnitCloseSchema)
    @blp.response(200, UnitSchema, headers=openapi.ETAG)
    @blp.raises(Forbidden, domain.UnitClosed, domain.HasOpenChildren)
    @blp.checks_if_match
    def post(self, _args, unit_id):
        """Close a unit

        For an administrator, with If-Match. Only a unit with no open units below it; it is kept, closed, so
        that old cases still name it.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        unit = service.close_unit(_platform(), principal, unit_id, precondition=_if_match)
        return db.view(unit), _headers(unit)


@public_blp.route("/<tenant>/org-units")
class PublicOrgUnits(MethodView):
    @public_blp.response(200, PublicUnitListSchema)
    def get(self, tenant):
        """List a municipality's open units, without a token

        For a citizen's form: the units a complaint (klagomål) or a suggestion (synpunkt) can be about.
        Ids, kinds and names only; rate limited per client and per municipality.
        """
        if not TENANT_PATTERN.match(tenant):
            raise NotFound("Kommunen eller regionen är okänd.", "There is no such municipality or region.")
        with _platform().engine.connect() as connection:
            rows = db.list_units(connection, tenant)
        return {"items": [{"id": r.id, "kind": r.kind, "name": r.name, "parent_id": r.parent_id} for r in rows]}


# =============================================================================================================
# Governing documents (styrdokument) — proc-docs
# =============================================================================================================


DOCUMENTS_PREFIX = "/api/v1/documents"
SETTINGS_ETAG_ID = "document-settings"
DOCUMENT_ID = {"description": "The document's id (a UUID).", "example": "5f1c8f0e-3b7a-4d0e-9a55-2f0d6b8c1a77"}
VERSION_NUMBER = {"description": "The version's number, counted from 1.", "example": 2}

documents_blp = Blueprint(
    "documents", __name__, url_prefix=DOCUMENTS_PREFIX,
    path_parameters={"document_id": DOCUMENT_ID, "number": VERSION_NUMBER},
    description="Governing documents (styrdokument): rutiner, checklistor, riktlinjer and others, owned by a unit, "
                "linked to units and process steps, each versioned: draft (utkast) → for_approval (för beslut) → "
                "established (fastställd) → superseded (ersatt). Every employee reads the established versions "
                "for their units; drafts only their authors and approvers (administrator, kvalitetsutvecklare, "
                "and the chefs of the owner unit or above it).")


def _version_etag(version) -> str:
    return etag(f"{version.document_id}.{version.number}", version.revision)


def _version_if_match(version) -> None:
    check_if_match(f"{version.document_id}.{version.number}", version.revision)


def _version_view(connection, principal, version) -> dict:
    draft_open = version.status in docdomain.IN_THE_WORKS
    return {
        "document_id": version.document_id, "kind": version.kind.value, "owner_unit_id": version.owner_unit_id,
        **_summary_view(version), "body": version.body, "body_html": _render_markdown(version.body),
        "unit_ids": version.unit_ids, "step_ids": version.step_ids,
        "may_edit": draft_open and version.status == docdomain.VersionStatus.DRAFT and (
            version.author == principal.subject or service.may_approve(connection, principal,
                                                                       version.owner_unit_id)),
        "may_decide": version.status == docdomain.VersionStatus.FOR_APPROVAL and service.may_approve(
            connection, principal, version.owner_unit_id),
    }


def _summary_view(version) -> dict:
    return {"number": version.number, "status": version.status.value,
            "status_label_sv": docdomain.VERSION_STATUS_LABELS_SV[version.status], "title": version.title,
            "author": version.author, "created_at": version.created_at, "submitted_at": version.submitted_at,
            "established_at": version.established_at, "established_by": version.established_by,
            "decision_reference": version.decision_reference, "review_date": version.review_date,
            "superseded_at": version.superseded_at, "rejected_reason": version.rejected_reason,
            "revision": version.revision}


def _document_view(connection, principal, document_id) -> dict:
    document = db.get_document(connection, principal.tenant, str(document_id))
    if document is None:
        raise service.DocumentNotFound(document_id)
    version = None
    if document.in_force_version is not None:
        try:
            version = service.load_version(connection, principal, document_id, document.in_force_version)
        except service.DocumentNotFound:
            version = None
    if version is None:
        version = service.load_version(connection, principal, document_id)
    in_works = None
    if document.in_works_version is not None:
        row = db.get_version(connection, principal.tenant, str(document_id), document.in_works_version)
        if service.may_read(connection, principal, db.version_to_domain(document, row)):
            in_works = document.in_works_version
    return {"id": document.id, "kind": document.kind,
            "kind_label_sv": docdomain.DOCUMENT_KIND_LABELS_SV[docdomain.DocumentKind(document.kind)],
            "owner_unit_id": document.owner_unit_id, "title": version.title,
            "in_force_version": document.in_force_version,
            "in_works_version": in_works, "review_date": document.review_date, "updated_at": document.updated_at,
            "version": _version_view(connection, principal, version),
            "may_draft": service.may_draft(connection, principal, document.owner_unit_id)}


def _read_document(document_id) -> dict:
    principal = current_principal()
    with _platform().engine.connect() as connection:
        return _document_view(connection, principal, document_id)


def _version_answer(version):
    principal = current_principal()
    with _platform().engine.connect() as connection:
        return _version_view(connection, principal, version), {"ETag": _version_etag(version)}


@documents_blp.route("")
class Documents(MethodView):
    @documents_blp.arguments(DocumentListQuerySchema, location="query")
    @documents_blp.response(200, DocumentListSchema)
    @documents_blp.raises(InvalidCursor)
    def get(self, query):
        """List the governing documents for your units

        The documents in force for your units and the units above them (a förvaltning's routine is each of its
        units' routine), with the drafts you may see: your own, and as an approver those of the units you
        decide for. Filtered by kind, unit, status and a title search; paged with a cursor.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            flt = db.DocumentFilter(
                readable_units=db.readable_unit_ids(connection, principal.tenant, principal.org_units),
                draft_scope=service.draft_scope(connection, principal), subject=principal.subject,
                kind=query.get("kind"), unit=query.get("unit"), status=query.get("status"), q=query.get("q"),
                sort=Sort.parse(query["sort"]), cursor=query.get("cursor"), limit=query["limit"])
            if principal.has_any(*service.TENANT_WIDE_APPROVERS):
                # Approvers across the tenant read every document in force too.
                flt.readable_units = {row.id for row in db.list_units(connection, principal.tenant,
                                                                      include_closed=True)}
            page = db.list_documents(connection, principal.tenant, flt)
        items = [{"id": r.id, "kind": r.kind,
                  "kind_label_sv": docdomain.DOCUMENT_KIND_LABELS_SV[docdomain.DocumentKind(r.kind)],
                  "owner_unit_id": r.owner_unit_id, "title": r.title, "in_force_version": r.in_force_version,
                  "in_works_version": r.in_works_version if r.sees_draft else None, "review_date": r.review_date,
                  "updated_at": r.updated_at} for r in page.rows]
        return {"items": items, "next_cursor": page.next_cursor}

    @documents_blp.arguments(DocumentCreateSchema)
    @documents_blp.response(201, DocumentSchema, headers={**openapi.CREATED, "Idempotent-Replayed": {
        "description": "true when the answer repeats an earlier creation with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]}, "example": "true"}})
    @documents_blp.raises(service.NotYourDocument, service.UnknownUnit, service.UnknownProcessStep,
                          docdomain.DocumentRuleViolation)
    @documents_blp.idempotent
    def post(self, args):
        """Draft a new governing document

        For whoever may draft for the owner unit (see the tag). The document starts as version 1, a draft only
        its author and its approvers read. The owner and linked units must be open units of your municipality.
        """
        principal = current_principal()
        platform = _platform()
        resource, status, replayed = idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload=args, resource_type="document",
            create=lambda claim: service.create_document(
                platform, principal, kind=args["kind"], owner_unit_id=args["owner_unit_id"], title=args["title"],
                body=args["body"], unit_ids=args.get("unit_ids") or [], step_ids=args.get("step_ids") or [],
                claim=claim),
            load=_read_document)
        version = resource["version"]
        headers = {"Location": f"{DOCUMENTS_PREFIX}/{resource['id']}",
                   "ETag": etag(f"{resource['id']}.{version['number']}", version["revision"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return resource, status, headers


@documents_blp.route("/settings")
class DocumentSettings(MethodView):
    @documents_blp.response(200, DocumentSettingsSchema, headers=openapi.ETAG)
    def get(self):
        """Read your municipality's settings for governing documents

        Whether one may establish one's own draft (false unless the municipality chose otherwise).
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            row = db.get_settings(connection, principal.tenant)
        revision = row.revision if row else 0
        return ({"self_approval_allowed": bool(row and row.self_approval_allowed), "revision": revision},
                {"ETag": etag(SETTINGS_ETAG_ID, revision)})

    @documents_blp.arguments(DocumentSettingsSchema)
    @documents_blp.response(200, DocumentSettingsSchema, headers=openapi.ETAG)
    @documents_blp.raises(Forbidden)
    @documents_blp.checks_if_match
    def put(self, args):
        """Change your municipality's settings for governing documents

        For an administrator, with If-Match (the ETag of the settings as read).
        """
        principal = current_principal()
        require_roles(principal, "administrator")
        platform = _platform()
        with platform.engine.connect() as connection:
            row = db.get_settings(connection, principal.tenant)
        current = row.revision if row else 0
        check_if_match(SETTINGS_ETAG_ID, current)
        revision = service.save_document_settings(platform, principal,
                                                  self_approval_allowed=args["self_approval_allowed"],
                                                  previous_revision=current)
        return ({"self_approval_allowed": args["self_approval_allowed"], "revision": revision},
                {"ETag": etag(SETTINGS_ETAG_ID, revision)})


@documents_blp.route("/<uuid:document_id>")
class DocumentById(MethodView):
    @documents_blp.response(200, DocumentSchema, headers=openapi.ETAG)
    def get(self, document_id):
        """Read a governing document

        With the version in force (or, while none is, the newest version you may see), its text rendered to
        safe HTML. The ETag is that version's. A document you may not read is answered as one that does not
        exist.
        """
        document = _read_document(document_id)
        version = document["version"]
        return document, {"ETag": etag(f"{document['id']}.{version['number']}", version["revision"])}


@documents_blp.route("/<uuid:document_id>/versions")
class DocumentVersions(MethodView):
    @documents_blp.response(200, VersionListSchema)
    def get(self, document_id):
        """List a document's versions

        The versions you may read, newest first, without their text: the established and superseded ones for
        the document's readers, drafts for their authors and approvers.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            document = db.get_document(connection, principal.tenant, str(document_id))
            if document is None:
                raise service.DocumentNotFound(document_id)
            versions = [db.version_to_domain(document, row)
                        for row in db.list_versions(connection, principal.tenant, str(document_id))]
            items = [_summary_view(v) for v in versions if service.may_read(connection, principal, v)]
        if not items:
            raise service.DocumentNotFound(document_id)
        return {"document_id": str(document_id), "items": items}

    @documents_blp.arguments(EmptyBodySchema)
    @documents_blp.response(201, VersionSchema, headers=openapi.CREATED)
    @documents_blp.raises(service.NotYourDocument, docdomain.VersionInTheWorks)
    def post(self, _args, document_id):
        """Draft a new version

        A change to an established document is a new version: a draft copied from the newest one, for whoever
        may draft for the owner unit. Only one version may be in the works at a time.
        """
        version = service.new_version(_platform(), current_principal(), document_id)
        body, headers = _version_answer(version)
        headers["Location"] = f"{DOCUMENTS_PREFIX}/{version.document_id}/versions/{version.number}"
        return body, 201, headers


@documents_blp.route("/<uuid:document_id>/versions/<int:number>")
class DocumentVersionByNumber(MethodView):
    @documents_blp.response(200, VersionSchema, headers=openapi.ETAG)
    def get(self, document_id, number):
        """Read one version

        With its text and the text rendered to safe HTML; the ETag is what the version's changes need in
        If-Match.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            version = service.load_version(connection, principal, document_id, number)
        return _version_answer(version)

    @documents_blp.arguments(DraftUpdateSchema)
    @documents_blp.response(200, VersionSchema, headers=openapi.ETAG)
    @documents_blp.raises(service.NotYourDocument, docdomain.VersionNotEditable, service.UnknownUnit,
                          service.UnknownProcessStep, docdomain.DocumentRuleViolation)
    @documents_blp.checks_if_match
    def patch(self, args, document_id, number):
        """Edit a draft

        For the draft's author and its approvers, with If-Match. An established version is never edited (409
        version_not_editable): draft a new version instead.
        """
        version = service.update_draft(_platform(), current_principal(), document_id, number,
                                       precondition=_version_if_match, **args)
        return _version_answer(version)


def _command(path: str, schema, problems: tuple, doc: str, run):
    def post(self, args, document_id, number):
        version = run(_platform(), current_principal(), document_id, number, args)
        return _version_answer(version)

    post.__doc__ = doc  # before the decorators: they read the summary and description from it
    post = documents_blp.checks_if_match(post)
    post = documents_blp.raises(service.NotYourDocument, docdomain.VersionNotEditable, *problems)(post)
    post = documents_blp.response(200, VersionSchema, headers=openapi.ETAG)(post)
    post = documents_blp.arguments(schema)(post)
    name = f"Version{path.title().replace('-', '')}"
    view = type(name, (MethodView,), {"post": post})
    return documents_blp.route(f"/<uuid:document_id>/versions/<int:number>/{path}", endpoint=name)(view)


_command("submit", VersionSubmitSchema, (docdomain.DocumentRuleViolation,),
         """Put a draft up for approval

         For the draft's author and its approvers, with If-Match: the version becomes for_approval (för beslut)
         and can no longer be edited until it is sent back.
         """,
         lambda platform, principal, document_id, number, _args: service.submit_version(
             platform, principal, document_id, number, precondition=_version_if_match))
_command("establish", VersionEstablishSchema, (docdomain.SelfApprovalForbidden, docdomain.DocumentRuleViolation),
         """Establish a version (fastställa)

         For an approver, with If-Match, the decision's reference and a review date after today. The version in
         force until now becomes superseded. Unless the municipality allows it, one may not establish a version
         one drafted or submitted oneself (403 self_approval_forbidden).
         """,
         lambda platform, principal, document_id, number, args: service.establish_version(
             platform, principal, document_id, number, decision_reference=args["decision_reference"],
             review_date=args["review_date"], precondition=_version_if_match))
_command("reject", VersionRejectSchema, (),
         """Send a version back to draft

         For an approver, with If-Match and a reason for the author; the version becomes a draft again.
         """,
         lambda platform, principal, document_id, number, args: service.reject_version(
             platform, principal, document_id, number, reason=args["reason"], precondition=_version_if_match))
_command("review-date", ReviewDateSchema, (docdomain.DocumentRuleViolation,),
         """Set an established version's review date

         For an approver, with If-Match; the date must be after today. The review-due notice goes out again when
         the new date comes.
         """,
         lambda platform, principal, document_id, number, args: service.set_review_date(
             platform, principal, document_id, number, review_date=args["review_date"],
             precondition=_version_if_match))


# =====================================================================================================
# Roles and duties (issue 11)
#
# Reads: anyone of the tenant (who holds a role where is organisational information). Assigning and ending:
# an administrator, or a förvaltningschef for the unit roles below their own in their units (service.py).
# Rewording duties: an administrator.
# =====================================================================================================


ROLES_PREFIX = "/api/v1/role-assignments"
ASSIGNMENT_ID = {"description": "The assignment's id (a UUID).", "example": "5d7e0a3c-2f4b-4c1e-9a63-0b8d2f6e4a11"}
DUTY_PATH = {"role": {"description": "The role's code (the assignable roles, and medarbetare).",
                      "example": "enhetschef"},
             "phase": {"description": "The PDCA phase: planera, genomfora, folja_upp or forbattra.",
                       "example": "folja_upp"}}

roles_blp = Blueprint("roles", __name__, url_prefix="/api/v1",
                      path_parameters={"assignment_id": ASSIGNMENT_ID, **DUTY_PATH},
                      description="Roles and duties: who holds which role at which org unit or process, and what "
                                  "each role does in each PDCA phase (planera, genomföra, följa upp, förbättra).")


def _lower(an_id: str | None) -> str | None:
    return an_id.lower() if an_id else None


def _read_assignment(assignment_id) -> dict:
    principal = current_principal()
    with _platform().engine.connect() as connection:
        row = db.get_assignment(connection, principal.tenant, str(assignment_id))
    if row is None:
        raise service.AssignmentNotFound(assignment_id)
    return service.assignment_view(row, domain.today_in_sweden())


@roles_blp.route("/role-assignments")
class RoleAssignments(MethodView):
    @roles_blp.arguments(AssignmentListQuerySchema, location="query")
    @roles_blp.response(200, AssignmentListSchema)
    def get(self, query):
        """List who holds which role where

        Anyone of the tenant. Filtered by unit, process, role, holder (`user=me`: yours) and whether the role is
        held today (`current`).
        """
        principal = current_principal()
        user = principal.subject if query["user"] == "me" else query["user"]
        today = domain.today_in_sweden()
        with _platform().engine.connect() as connection:
            rows = db.list_assignments(connection, principal.tenant, unit_id=_lower(query["unit_id"]),
                                       process_id=_lower(query["process_id"]), role=query["role"], user_id=user,
                                       current_on=today if query["current"] else None)
        items = [service.assignment_view(row, today) for row in rows]
        if query["current"] is False:
            items = [item for item in items if not item["current"]]
        return {"items": items, "count": len(items)}

    @roles_blp.arguments(AssignmentCreateSchema)
    @roles_blp.response(201, AssignmentSchema, headers={**openapi.CREATED, "Idempotent-Replayed": {
        "description": "true when the answer repeats an earlier assignment with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]}, "example": "true"}})
    @roles_blp.raises(service.MayNotAssign, domain.UnknownRole, domain.WrongPlaceForRole, domain.InvalidPeriod,
                      domain.InvalidUserId, domain.UnitClosed, service.UnknownUnit,
                      service.UnknownProcessForRole)
    @roles_blp.idempotent
    def post(self, args):
        """Assign a role

        An administrator assigns any role; a förvaltningschef the unit roles below their own (verksamhetschef,
        enhetschef, MAS, MAR, kvalitetsutvecklare) at their units and below. A unit role needs unit_id, a process
        role process_id. Emits se.ordning.role.assigned.v1 (ids, the role, dates; never the name).
        """
        principal = current_principal()
        platform = _platform()
        resource, status, replayed = idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload=args,
            resource_type=service.ASSIGNMENT_ENTITY,
            create=lambda claim: service.assign_role(platform, principal, claim=claim, **args),
            load=_read_assignment)
        headers = {"Location": f"{ROLES_PREFIX}/{resource['id']}", "ETag": etag(resource["id"], resource["version"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return resource, status, headers


@roles_blp.route("/role-assignments/<uuid:assignment_id>")
class RoleAssignmentById(MethodView):
    @roles_blp.response(200, AssignmentSchema, headers=openapi.ETAG)
    def get(self, assignment_id):
        """Read one assignment

        Its ETag is what ending it needs in If-Match.
        """
        assignment = _read_assignment(assignment_id)
        return assignment, {"ETag": etag(assignment["id"], assignment["version"])}


@roles_blp.route("/role-assignments/<uuid:assignment_id>/end")
class RoleAssignmentEnd(MethodView):
    @roles_blp.arguments(AssignmentEndSchema)
    @roles_blp.response(200, AssignmentSchema, headers=openapi.ETAG)
    @roles_blp.raises(service.MayNotAssign, domain.AssignmentAlreadyEnded)
    @roles_blp.checks_if_match
    def post(self, _args, assignment_id):
        """End an assignment

        Now, with If-Match; it is kept, ended, and answers no "who holds" question any more. Emits
        se.ordning.role.ended.v1.
        """
        principal = current_principal()
        assignment = service.end_assignment(_platform(), principal, assignment_id,
                                            precondition=lambda a: check_if_match(a.id, a.version))
        return (service.assignment_view(assignment, domain.today_in_sweden()),
                {"ETag": etag(assignment.id, assignment.version)})


@roles_blp.route("/role-duties")
class RoleDuties(MethodView):
    @roles_blp.arguments(DutiesQuerySchema, location="query")
    @roles_blp.response(200, DutiesListSchema)
    def get(self, query):
        """List each role's duties per PDCA phase

        Anyone of the tenant. The Öckerö responsibility tables until the municipality words its own.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            items = service.list_duties(connection, principal.tenant, role=query["role"], phase=query["phase"])
        return {"items": items}


@roles_blp.route("/role-duties/<role>/<phase>")
class RoleDutiesOfPhase(MethodView):
    @roles_blp.response(200, DutiesSchema, headers=openapi.ETAG)
    @roles_blp.raises(domain.UnknownDutyRole, domain.UnknownPhase)
    def get(self, role, phase):
        """Read one role's duties in one phase

        Its ETag is what rewording them needs in If-Match.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            duties = service.read_duties(connection, principal.tenant, role, phase)
        return duties, {"ETag": etag(f"{duties['role']}.{duties['phase']}", duties["version"])}

    @roles_blp.arguments(DutiesUpdateSchema)
    @roles_blp.response(200, DutiesSchema, headers=openapi.ETAG)
    @roles_blp.raises(Forbidden, domain.UnknownDutyRole, domain.UnknownPhase, domain.InvalidDuties)
    @roles_blp.checks_if_match
    def put(self, args, role, phase):
        """Reword one role's duties in one phase

        For an administrator, with If-Match: the whole list, in order (an empty list: none). The municipality's
        wording replaces the Öckerö seed for this role and phase.
        """
        principal = current_principal()
        require_roles(principal, *WRITER_ROLES)
        duties = service.update_duties(_platform(), principal, role, phase, args["duties"],
                                       precondition=lambda d: check_if_match(f"{d['role']}.{d['phase']}",
                                                                             d["version"]))
        return duties, {"ETag": etag(f"{duties['role']}.{duties['phase']}", duties["version"])}


# =============================================================================
# The process map (proc-map): /api/v1/processes and /api/v1/process-templates
# =============================================================================
# Reads: any authenticated user of the tenant. Writes: administrator or processagare. The ETag is the
# process's (id.revision), which moves with every change of the draft, an establishing or a revision.


PROCESS_WRITER_ROLES = ("administrator", "processagare")
PROCESS_PREFIX = "/api/v1/processes"
PROCESS_ID_PARAMETER = {"description": "The process's id (a UUID).", "example": "5d1e2f0a-3b4c-4d5e-8f60-718293a4b5c6"}
VERSION_PARAMETER = {"description": "The version number, from 1.", "example": 1}
CODE_PARAMETER = {"description": "The template's code.", "example": "systematiskt_kvalitetsarbete"}

process_blp = Blueprint("processes", __name__, url_prefix=PROCESS_PREFIX,
                        path_parameters={"process_id": PROCESS_ID_PARAMETER, "number": VERSION_PARAMETER},
                        description="The process map: huvudprocesser, ledningsprocesser and stödprocesser of a "
                                    "förvaltning or unit, their delprocesser and ordered steps, drafted, established "
                                    "(fastställd) and revised.")
template_blp = Blueprint("process_templates", __name__, url_prefix="/api/v1/process-templates",
                         path_parameters={"code": CODE_PARAMETER},
                         description="The process templates a municipality starts from: Socialstyrelsen's process "
                                     "model for social services and the support process for systematic quality "
                                     "work.")


def _step_view(step, position: int) -> dict:
    return {"id": step.id, "position": position, "name": step.name, "description": step.description,
            "roles": [r.value for r in step.roles], "inputs": list(step.inputs), "outputs": list(step.outputs),
            "samverkan": [{"actor": s.actor.value, "actor_label_sv": SAMVERKAN_LABELS_SV[s.actor], "note": s.note}
                          for s in step.samverkan]}


def version_view(version) -> dict | None:
    if version is None:
        return None
    return {"number": version.number, "status": version.status.value, "name": version.name,
            "purpose": version.purpose, "owner_role": version.owner_role.value,
            "owner_user_id": version.owner_user_id,
            "steps": [_step_view(s, i) for i, s in enumerate(version.steps, start=1)],
            "created_at": version.created_at, "created_by": version.created_by,
            "established_at": version.established_at, "established_by": version.established_by,
            "established_on": version.established_on, "decision_reference": version.decision_reference}


def process_view(process) -> dict:
    return {"id": process.id, "unit_id": process.unit_id, "kind": process.kind.value,
            "kind_label_sv": PROCESS_KIND_LABELS_SV[process.kind], "parent_id": process.parent_id,
            "template_code": process.template_code, "revision": process.revision,
            "established": version_view(process.established), "draft": version_view(process.draft),
            "versions": [{"number": v.number, "status": v.status.value, "established_on": v.established_on}
                         for v in process.versions]}


def _load_process_view(process_id) -> dict:
    principal = current_principal()
    with _platform().engine.connect() as connection:
        process = db.get_process(connection, principal.tenant, str(process_id))
    if process is None:
        raise service.ProcessNotFound(process_id)
    return process_view(process)


def _process_if_match(process) -> None:
    check_if_match(process.id, process.revision)


def _created(resource, status, replayed):
    headers = {"Location": f"{PROCESS_PREFIX}/{resource['id']}", "ETag": etag(resource["id"], resource["revision"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return resource, status, headers


_REPLAYED = {**openapi.CREATED, "Idempotent-Replayed": {
    "description": "true when the answer repeats an earlier creation with the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]}, "example": "true"}}


@process_blp.route("")
class Processes(MethodView):
    @process_blp.arguments(ProcessListQuerySchema, location="query")
    @process_blp.response(200, ProcessListSchema)
    def get(self, query):
        """List processes, with the established version and any draft of each

        Every user of the tenant may read the map. unit_id: the processes of that unit and the units below it
        (a förvaltning's map); kind: only huvudprocesser, ledningsprocesser or stödprocesser.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            units = None
            if query["unit_id"] is not None:
                units = [r.id for r in connection.execute(db.subtree(principal.tenant, [query["unit_id"]])).all()]
            found = db.list_processes(connection, principal.tenant, unit_ids=units, kind=query["kind"])
        items = [process_view(p) for p in found]
        return {"items": items, "count": len(items)}

    @process_blp.arguments(ProcessCreateSchema)
    @process_blp.response(201, ProcessSchema, headers=_REPLAYED)
    @process_blp.raises(Forbidden, service.UnknownUnit, service.ParentProcessNotFound, UnknownProcessRole,
                        UnknownStep, ProcessRuleViolation)
    @process_blp.idempotent
    def post(self, args):
        """Draft a new process

        For a processägare or an administrator: the process's unit, kind, optional parent (making it a
        delprocess) and its first draft (version 1). An Idempotency-Key makes a retry safe.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        platform = _platform()
        content = {k: v for k, v in args.items() if k not in ("unit_id", "kind", "parent_id")}
        return _created(*idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload=args,
            resource_type=service.PROCESS_ENTITY_TYPE,
            create=lambda claim: service.create_process(
                platform, principal, unit_id=args["unit_id"], kind=args["kind"], content=content,
                parent_id=args["parent_id"], claim=claim),
            load=_load_process_view))


@process_blp.route("/<uuid:process_id>")
class ProcessById(MethodView):
    @process_blp.response(200, ProcessSchema, headers=openapi.ETAG)
    def get(self, process_id):
        """Read a process

        Its established version (readable while a new one is drafted), its draft and the list of its versions.
        The ETag is what a change needs in If-Match.
        """
        view = _load_process_view(process_id)
        return view, {"ETag": etag(view["id"], view["revision"])}


@process_blp.route("/<uuid:process_id>/versions/<int:number>")
class ProcessVersionByNumber(MethodView):
    @process_blp.response(200, ProcessVersionSchema)
    def get(self, process_id, number):
        """Read one version of a process

        Any version, established, superseded or the draft.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            process = db.get_process(connection, principal.tenant, str(process_id))
        if process is None:
            raise service.ProcessNotFound(process_id)
        version = process.version(number)
        if version is None:
            raise service.ProcessVersionNotFound(number)
        return version_view(version)


@process_blp.route("/<uuid:process_id>/draft")
class ProcessDraft(MethodView):
    @process_blp.arguments(ProcessDraftUpdateSchema)
    @process_blp.response(200, ProcessSchema, headers=openapi.ETAG)
    @process_blp.raises(Forbidden, NoDraft, service.UnknownUnit, service.ParentProcessNotFound,
                        ProcessCycle, InvalidProcessParent, UnknownProcessRole, UnknownStep, ProcessRuleViolation)
    @process_blp.checks_if_match
    def patch(self, args, process_id):
        """Change the draft

        For a processägare or an administrator, with If-Match. The fields given replace the draft's; steps is
        the whole ordered list, each kept step named by its id. An established version is never changed.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        content = {k: v for k, v in args.items() if k not in ("unit_id", "kind", "parent_id")}
        process = service.update_process_draft(
            _platform(), principal, process_id, content=content, kind=args.get("kind"),
            parent_id=(str(args["parent_id"]) if args["parent_id"] else None) if "parent_id" in args else ...,
            unit_id=args.get("unit_id"), precondition=_process_if_match)
        return process_view(process), {"ETag": etag(process.id, process.revision)}


@process_blp.route("/<uuid:process_id>/draft/step-order")
class ProcessStepOrder(MethodView):
    @process_blp.arguments(StepOrderSchema)
    @process_blp.response(200, ProcessSchema, headers=openapi.ETAG)
    @process_blp.raises(Forbidden, NoDraft, UnknownStep)
    @process_blp.checks_if_match
    def put(self, args, process_id):
        """Reorder the draft's steps

        For a processägare or an administrator, with If-Match: every step id of the draft, each once.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        process = service.reorder_steps(_platform(), principal, process_id, step_ids=args["step_ids"],
                                        precondition=_process_if_match)
        return process_view(process), {"ETag": etag(process.id, process.revision)}


@process_blp.route("/<uuid:process_id>/establish")
class ProcessEstablish(MethodView):
    @process_blp.arguments(EstablishSchema)
    @process_blp.response(200, ProcessSchema, headers=openapi.ETAG)
    @process_blp.raises(Forbidden, NoDraft)
    @process_blp.checks_if_match
    def post(self, args, process_id):
        """Establish (fastställ) the draft

        For a processägare or an administrator, with If-Match. The draft becomes the version in force, by you,
        now, with the decision's date and reference; the earlier established version is superseded and kept.
        Emits se.ordning.process.established.v1 (the first) or se.ordning.process.revised.v1.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        process = service.establish_process(_platform(), principal, process_id,
                                            established_on=args["established_on"],
                                            decision_reference=args["decision_reference"],
                                            precondition=_process_if_match)
        return process_view(process), {"ETag": etag(process.id, process.revision)}


@process_blp.route("/<uuid:process_id>/revisions")
class ProcessRevisions(MethodView):
    @process_blp.arguments(EmptyBodySchema)
    @process_blp.response(200, ProcessSchema, headers=openapi.ETAG)
    @process_blp.raises(Forbidden, NoDraft, DraftExists)
    @process_blp.checks_if_match
    def post(self, _args, process_id):
        """Start a revision

        For a processägare or an administrator, with If-Match; the answer is the process (200), now with a new
        draft copying the established version,
        its steps with the same ids. The established version stays in force and readable until the draft is
        established.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        process = service.revise_process(_platform(), principal, process_id, precondition=_process_if_match)
        return process_view(process), {"ETag": etag(process.id, process.revision)}


def _template_view(template: dict) -> dict:
    return {**{k: template[k] for k in ("code", "kind", "name", "source", "purpose")},
            "steps": [{**step, "samverkan": [{**s, "actor_label_sv": SAMVERKAN_LABELS_SV[SamverkanActor(s["actor"])]}
                                             for s in step["samverkan"]]} for step in template["steps"]]}


@template_blp.route("")
class ProcessTemplates(MethodView):
    @template_blp.response(200, TemplateListSchema)
    def get(self):
        """List the process templates

        Every user may read them: Socialstyrelsen's process model for social services (NI 2021:2) and the
        support process for systematic quality work.
        """
        current_principal()
        return {"items": [_template_view(t) for t in PROCESS_TEMPLATES.values()]}


@template_blp.route("/<code>/copy")
class ProcessTemplateCopy(MethodView):
    @template_blp.arguments(TemplateCopySchema)
    @template_blp.response(201, ProcessSchema, headers=_REPLAYED)
    @template_blp.raises(Forbidden, service.TemplateNotFound, service.UnknownUnit)
    @template_blp.idempotent
    def post(self, args, code):
        """Copy a template into your own draft process

        For a processägare or an administrator: a new draft process of the unit with the template's steps,
        yours to edit and establish.
        """
        principal = current_principal()
        require_roles(principal, *PROCESS_WRITER_ROLES)
        if code not in PROCESS_TEMPLATES:
            raise service.TemplateNotFound()
        platform = _platform()
        return _created(*idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload={**args, "code": code},
            resource_type=service.PROCESS_ENTITY_TYPE,
            create=lambda claim: service.copy_template(platform, principal, code, unit_id=args["unit_id"],
                                                       claim=claim),
            load=_load_process_view))


# =============================================================================
# Quality goals (kvalitetsmål): /api/v1/quality-goals
# =============================================================================
# Reads: any authenticated user of the tenant (goals and their measured values are the organisation's, not
# personal data). Writes: the roles that own a unit's quality work. Attainment is computed on every read.


GOAL_WRITER_ROLES = ("administrator", "kvalitetsutvecklare", "forvaltningschef", "verksamhetschef", "enhetschef")
GOALS_PREFIX = "/api/v1/quality-goals"
GOAL_ID = {"description": "The quality goal's id (a UUID).", "example": "5d0f6a3e-8c1b-4f57-9d43-2f6c1e0b7a11"}
INDICATOR_ID = {"description": "The indicator's id (a UUID).", "example": "9a7e2c44-1b3d-4e8f-a6c2-0d5b8f3e9c27"}

goals_blp = Blueprint("quality_goals", __name__, url_prefix=GOALS_PREFIX,
                      path_parameters={"goal_id": GOAL_ID, "indicator_id": INDICATOR_ID},
                      description="Quality goals (kvalitetsmål) of a nämnd, förvaltning or unit: indicators with "
                                  "targets, measurements entered by hand or from a CSV file, and the attainment "
                                  "per period, computed.")


def indicator_view(indicator) -> dict:
    return {"id": indicator.id, "goal_id": indicator.goal_id, "name": indicator.name,
            "unit_of_measure": indicator.unit_of_measure,
            "unit_of_measure_label_sv": domain.UNIT_OF_MEASURE_LABELS_SV[indicator.unit_of_measure],
            "direction": indicator.direction.value, "direction_label_sv": domain.DIRECTION_LABELS_SV[indicator.direction],
            "target": indicator.target, "target_max": indicator.target_max, "threshold": indicator.threshold,
            "source": indicator.source, "frequency": indicator.frequency.value}


def measurement_view(row, indicator) -> dict:
    attained = indicator.attainment(row.value)
    return {"id": row.id, "indicator_id": row.indicator_id, "period": row.period, "period_start": row.period_start,
            "value": row.value, "note": row.note, "attainment": attained.value,
            "attainment_label_sv": domain.ATTAINMENT_LABELS_SV[attained]}


def _goal_views(connection, tenant: str, rows) -> list[dict]:
    indicators: dict[str, list] = {}
    for row in db.list_indicators(connection, tenant, [r.id for r in rows]) if rows else []:
        indicators.setdefault(row.goal_id, []).append(indicator_view(db.indicator_to_domain(row)))
    return [{"id": r.id, "unit_id": r.unit_id, "title": r.title, "description": r.description,
             "period_start": r.period_start, "period_end": r.period_end, "closed_at": r.closed_at,
             "revision": r.revision, "indicators": indicators.get(r.id, [])} for r in rows]


def _read_goal(goal_id) -> dict:
    principal = current_principal()
    with _platform().engine.connect() as connection:
        row = db.get_goal(connection, principal.tenant, str(goal_id))
        if row is None:
            raise service.GoalNotFound(goal_id)
        return _goal_views(connection, principal.tenant, [row])[0]


def _goal_if_match(goal) -> None:
    check_if_match(goal.id, goal.revision)


def _goal_answer(goal_id):
    view = _read_goal(goal_id)
    return view, {"ETag": etag(view["id"], view["revision"])}


def _indicator(connection, tenant: str, goal_id, indicator_id):
    if db.get_goal(connection, tenant, str(goal_id)) is None:
        raise service.GoalNotFound(goal_id)
    row = db.get_indicator(connection, tenant, str(goal_id), str(indicator_id))
    if row is None:
        raise service.IndicatorNotFound(indicator_id)
    return db.indicator_to_domain(row)


@goals_blp.route("")
class QualityGoals(MethodView):
    @goals_blp.arguments(GoalListQuerySchema, location="query")
    @goals_blp.response(200, GoalListSchema)
    def get(self, query):
        """List the quality goals of your municipality

        Filtered by a unit (unit_id), a subtree (under) and a time span (from, to: the goals whose period
        overlaps it). Open goals only, unless include_closed.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            unit_ids = None
            if query["unit_id"] is not None:
                unit_ids = [str(query["unit_id"])]
            if query["under"] is not None:
                below = [r.id for r in db.list_units(connection, principal.tenant, include_closed=True,
                                                     under=str(query["under"]))]
                unit_ids = below if unit_ids is None else [u for u in unit_ids if u in below]
            rows = db.list_goals(connection, principal.tenant, unit_ids=unit_ids, active_on_from=query["from_"],
                                 active_on_to=query["to"], include_closed=query["include_closed"])
            items = _goal_views(connection, principal.tenant, rows)
        return {"items": items, "count": len(items)}

    @goals_blp.arguments(GoalCreateSchema)
    @goals_blp.response(201, GoalSchema, headers={**openapi.CREATED, "Idempotent-Replayed": {
        "description": "true when the answer repeats an earlier creation with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]}, "example": "true"}})
    @goals_blp.raises(Forbidden, service.UnknownUnit, domain.GoalRuleViolation, domain.InvalidGoalPeriod)
    @goals_blp.idempotent
    def post(self, args):
        """Create a quality goal

        For an administrator, kvalitetsutvecklare or a chef: a goal of a unit of your municipality (a unit
        of another is reported as not found) for a period (a year: 01-01 to 12-31). Add its indicators next.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        platform = _platform()
        resource, status, replayed = idempotency.create_once(
            platform, tenant=principal.tenant, principal=principal.subject, payload=args,
            resource_type=service.GOAL_ENTITY_TYPE,
            create=lambda claim: service.create_goal(
                platform, principal, unit_id=args["unit_id"], title=args["title"],
                description=args["description"], period_start=args["period_start"],
                period_end=args["period_end"], claim=claim),
            load=_read_goal,
        )
        headers = {"Location": f"{GOALS_PREFIX}/{resource['id']}", "ETag": etag(resource["id"], resource["revision"])}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return resource, status, headers


@goals_blp.route("/<uuid:goal_id>")
class QualityGoalById(MethodView):
    @goals_blp.response(200, GoalSchema, headers=openapi.ETAG)
    def get(self, goal_id):
        """Read one quality goal

        With its indicators; the ETag is what an update or close needs in If-Match.
        """
        return _goal_answer(goal_id)

    @goals_blp.arguments(GoalUpdateSchema)
    @goals_blp.response(200, GoalSchema, headers=openapi.ETAG)
    @goals_blp.raises(Forbidden, service.GoalNotFound, domain.GoalClosed, domain.InvalidGoalPeriod)
    @goals_blp.checks_if_match
    def patch(self, args, goal_id):
        """Change a quality goal

        Its title, description or period, with If-Match; a closed goal is not changed.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        service.update_goal(_platform(), principal, goal_id, changes=args, precondition=_goal_if_match)
        return _goal_answer(goal_id)


@goals_blp.route("/<uuid:goal_id>/close")
class QualityGoalClose(MethodView):
    @goals_blp.arguments(GoalCloseSchema)
    @goals_blp.response(200, GoalSchema, headers=openapi.ETAG)
    @goals_blp.raises(Forbidden, service.GoalNotFound, domain.GoalClosed)
    @goals_blp.checks_if_match
    def post(self, _args, goal_id):
        """Close a quality goal

        With If-Match. A closed goal takes no new indicators or measurements; what it has stays readable.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        service.close_goal(_platform(), principal, goal_id, precondition=_goal_if_match)
        return _goal_answer(goal_id)


@goals_blp.route("/<uuid:goal_id>/indicators")
class GoalIndicators(MethodView):
    @goals_blp.response(200, IndicatorListSchema)
    @goals_blp.raises(service.GoalNotFound)
    def get(self, goal_id):
        """List a goal's indicators

        Oldest first, each with its direction, target and frequency.
        """
        return {"items": _read_goal(goal_id)["indicators"]}

    @goals_blp.arguments(IndicatorCreateSchema)
    @goals_blp.response(201, IndicatorSchema, headers=openapi.CREATED)
    @goals_blp.raises(Forbidden, service.GoalNotFound, domain.GoalClosed, domain.InvalidTarget)
    def post(self, args, goal_id):
        """Add an indicator to a goal

        How it is measured, its unit, its direction (higher or lower is better, or a target range), its
        target (and optional gränsvärde for 'partly met'), its frequency and optionally a source such as
        a Kolada key.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        indicator_id = service.add_indicator(_platform(), principal, goal_id, **args)
        with _platform().engine.connect() as connection:
            indicator = _indicator(connection, principal.tenant, goal_id, indicator_id)
        return indicator_view(indicator), 201, {"Location": f"{GOALS_PREFIX}/{goal_id}/indicators/{indicator_id}"}


@goals_blp.route("/<uuid:goal_id>/indicators/<uuid:indicator_id>")
class GoalIndicatorById(MethodView):
    @goals_blp.response(200, IndicatorSchema)
    @goals_blp.raises(service.GoalNotFound, service.IndicatorNotFound)
    def get(self, goal_id, indicator_id):
        """Read one indicator

        Its direction, target, frequency and source.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            return indicator_view(_indicator(connection, principal.tenant, goal_id, indicator_id))


@goals_blp.route("/<uuid:goal_id>/indicators/<uuid:indicator_id>/measurements")
class IndicatorMeasurements(MethodView):
    @goals_blp.response(200, MeasurementListSchema)
    @goals_blp.raises(service.GoalNotFound, service.IndicatorNotFound)
    def get(self, goal_id, indicator_id):
        """List an indicator's measurements

        By period, each with its computed attainment.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            indicator = _indicator(connection, principal.tenant, goal_id, indicator_id)
            rows = db.list_measurements(connection, principal.tenant, [indicator.id])
        items = [measurement_view(row, indicator) for row in rows]
        return {"items": items, "count": len(items)}

    @goals_blp.arguments(MeasurementCreateSchema)
    @goals_blp.response(201, MeasurementSchema, headers=openapi.CREATED)
    @goals_blp.raises(Forbidden, service.GoalNotFound, service.IndicatorNotFound, domain.GoalClosed,
                      domain.InvalidGoalPeriod, domain.InvalidValue, domain.PeriodAlreadyMeasured)
    def post(self, args, goal_id, indicator_id):
        """Record a measurement by hand

        One value for one period, written as the indicator's frequency says (2026-03, 2026-Q1, 2026). A
        period that already has a value is refused (409): a stored value is never overwritten.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        measurement, indicator = service.record_measurement(
            _platform(), principal, goal_id, indicator_id, period=args["period"], value=args["value"],
            note=args["note"])
        with _platform().engine.connect() as connection:
            [row] = [r for r in db.list_measurements(connection, principal.tenant, [indicator.id])
                     if r.id == measurement.id]
        return measurement_view(row, indicator), 201, {
            "Location": f"{GOALS_PREFIX}/{goal_id}/indicators/{indicator_id}/measurements"}


@goals_blp.route("/<uuid:goal_id>/indicators/<uuid:indicator_id>/measurements/import")
class IndicatorMeasurementsImport(MethodView):
    @goals_blp.arguments(MeasurementImportSchema)
    @goals_blp.response(201, CsvImportResultSchema)
    @goals_blp.raises(Forbidden, service.GoalNotFound, service.IndicatorNotFound, domain.GoalClosed,
                      domain.CsvRejected)
    def post(self, args, goal_id, indicator_id):
        """Import measurements from a CSV file

        The file's text in the JSON field csv. All or nothing: if any row is bad (a period in the wrong
        form, a value that is not a number, a period twice in the file or already stored) the answer is
        422 csv_rejected listing each bad row (its line, column, code and message) and nothing is stored.
        One event per stored measurement.
        """
        principal = current_principal()
        require_roles(principal, *GOAL_WRITER_ROLES)
        measurements = service.import_measurements(_platform(), principal, goal_id, indicator_id,
                                                   csv_text=args["csv"])
        ids = {m.id for m in measurements}
        with _platform().engine.connect() as connection:
            indicator = _indicator(connection, principal.tenant, goal_id, indicator_id)
            rows = [r for r in db.list_measurements(connection, principal.tenant, [indicator.id]) if r.id in ids]
        return {"stored": len(rows), "items": [measurement_view(r, indicator) for r in rows]}


@goals_blp.route("/<uuid:goal_id>/attainment")
class GoalAttainment(MethodView):
    @goals_blp.arguments(AttainmentQuerySchema, location="query")
    @goals_blp.response(200, GoalAttainmentSchema)
    @goals_blp.raises(service.GoalNotFound)
    def get(self, query, goal_id):
        """Read a goal's attainment per period

        For each indicator, each measured period between from and to (by the period's first day) with its
        value and its attainment (met, partly, not_met), computed from the direction and target.
        """
        principal = current_principal()
        with _platform().engine.connect() as connection:
            if db.get_goal(connection, principal.tenant, str(goal_id)) is None:
                raise service.GoalNotFound(goal_id)
            indicators = [db.indicator_to_domain(r) for r in db.list_indicators(connection, principal.tenant,
                                                                                [str(goal_id)])]
            rows = db.list_measurements(connection, principal.tenant, [i.id for i in indicators],
                                        start=query["from_"], end=query["to"]) if indicators else []
        out = []
        for indicator in indicators:
            periods = [measurement_view(r, indicator) for r in rows if r.indicator_id == indicator.id]
            counts = {a.value: sum(1 for p in periods if p["attainment"] == a.value) for a in domain.Attainment}
            out.append({"indicator": indicator_view(indicator), "periods": periods, **counts})
        return {"goal_id": str(goal_id), "indicators": out}

