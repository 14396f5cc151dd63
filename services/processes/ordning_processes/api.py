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
from ordning_shared.problems import Forbidden, NotFound

from . import db, domain, service
from .schemas import (HistorySchema, PublicUnitListSchema, UnitCloseSchema, UnitCreateSchema, UnitListQuerySchema,
                      UnitListSchema, UnitMoveSchema, UnitRenameSchema, UnitSchema)

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
                unit_id=args["id"], claim=claim),
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
