"""The read log: who read a protected case (lex Sarah, lex Maria), when and how; no text.

A service writes it through `UnitOfWork.log_reads` in the read's own transaction, committed before the
case is answered, so no protected case leaves the service without its read being recorded. The data
protection officer (dataskyddsombud) asks it through the route of `read_log_blueprint(service)`, which
every service that logs reads registers.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema

from . import fields as f
from .http import Blueprint, current_principal, require_roles
from .problems import Forbidden

READ, LIST, AUDIT = "read", "list", "audit"  # one case opened, a case on a listed page, its audit trail read
HOW = (READ, LIST, AUDIT)
DPO_ROLE = "dataskyddsombud"
CASE_ID = "3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"
HOW_DESCRIPTION = "How it was read: read (one case opened), list (a case on a listed page) or audit (its audit trail)."


class ReadLogArgsSchema(Schema):
    entity_type = f.Name(max_length=60, metadata={"description": "Only reads of this kind of entity.",
                                                  "example": "deviation"})
    entity_id = f.Name(max_length=36, metadata={"description": "Only reads of this entity (its id).",
                                                "example": CASE_ID})
    actor = f.Name(max_length=200, metadata={"description": "Only reads by this user (subject).",
                                             "example": "demo-erik"})
    how = f.Choice(HOW, metadata={"description": HOW_DESCRIPTION, "example": "read"})
    from_ = f.AwareDateTime(data_key="from", metadata={"description": "From this time (inclusive).",
                                                       "example": "2026-03-01T00:00:00+01:00"})
    to = f.AwareDateTime(metadata={"description": "Until this time (exclusive).",
                                   "example": "2026-04-01T00:00:00+02:00"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many matching reads to skip.", "example": 0})

    @validates_schema
    def _period(self, data, **_kw):
        if "from_" in data and "to" in data and data["from_"] >= data["to"]:
            raise ValidationError("Fältet from måste vara före to. The field from must be before to.", "to")


class ReadLogEntrySchema(Schema):
    at = f.AwareDateTime(metadata={"description": "When it was read.", "example": "2026-03-03T08:46:12+01:00"})
    actor = fields.String(metadata={"description": "Who read it: the user's subject.", "example": "demo-erik"})
    entity_type = fields.String(metadata={"description": "What kind of entity was read.", "example": "deviation"})
    entity_id = fields.String(metadata={"description": "The id of what was read.", "example": CASE_ID})
    how = fields.String(metadata={"enum": list(HOW), "description": HOW_DESCRIPTION, "example": "read"})


class ReadLogPageSchema(Schema):
    items = fields.List(fields.Nested(ReadLogEntrySchema), metadata={"description": "The reads, newest first."})
    total = fields.Integer(metadata={"description": "How many reads match the filters, on every page together.",
                                     "example": 214})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many matching reads come before this page.",
                                      "example": 0})


def read_log_page(connection, table: sa.Table, tenant: str, args: dict) -> dict:
    """The tenant's read log, newest first, filtered by entity, actor, how and period."""
    c = table.c
    where = [c.tenant == tenant]
    for name in ("entity_type", "entity_id", "actor", "how"):
        if name in args:
            where.append(c[name] == args[name])
    if "from_" in args:
        where.append(c.at >= args["from_"])
    if "to" in args:
        where.append(c.at < args["to"])
    total = connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
    rows = connection.execute(
        sa.select(c.at, c.actor, c.entity_type, c.entity_id, c.how).where(*where)
        .order_by(c.at.desc(), c.id.desc()).limit(args["limit"]).offset(args["offset"])).all()
    return {"items": [dict(row._mapping) for row in rows], "total": total, "limit": args["limit"],
            "offset": args["offset"]}


def read_log_blueprint(service: str) -> Blueprint:
    """GET /api/v1/read-log/<service> for the data protection officer of the caller's tenant.

    Each service keeps its own read log in its own database, so each answers under its own path
    (the Ingress routes it there); a new blueprint per call, so every app registers its own.
    """
    blueprint = Blueprint("read_log", __name__, url_prefix=f"/api/v1/read-log/{service}",
                          description="The read log (läslogg): who read protected cases, for the data "
                                      "protection officer (dataskyddsombud).")

    @blueprint.route("", methods=["GET"])
    @blueprint.raises(Forbidden)
    @blueprint.arguments(ReadLogArgsSchema, location="query", unknown=RAISE)
    @blueprint.response(200, ReadLogPageSchema)
    def read_log(args):
        """Read the read log

        For the data protection officer (dataskyddsombud) of your tenant: who read which lex Sarah and lex
        Maria cases, when and how, newest first; filtered by entity, reader, how and period. No case text.
        """
        principal = current_principal()
        require_roles(principal, DPO_ROLE)
        platform = current_app.extensions["ordning"]
        with platform.engine.connect() as connection:
            return read_log_page(connection, platform.tables.read_log, principal.tenant, args)

    return blueprint
