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


class ReadLogArgsSchema(Schema):
    entity_type = f.Name(max_length=60)
    entity_id = f.Name(max_length=36)
    actor = f.Name(max_length=200)
    how = f.Choice(HOW)
    from_ = f.AwareDateTime(data_key="from", metadata={"description": "from this time (inclusive)"})
    to = f.AwareDateTime(metadata={"description": "until this time (exclusive)"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50)
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0)

    @validates_schema
    def _period(self, data, **_kw):
        if "from_" in data and "to" in data and data["from_"] >= data["to"]:
            raise ValidationError("Fältet from måste vara före to. The field from must be before to.", "to")


class ReadLogEntrySchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    how = fields.String(metadata={"enum": list(HOW)})


class ReadLogPageSchema(Schema):
    items = fields.List(fields.Nested(ReadLogEntrySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


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
                          description="Läsloggen: vem läste skyddade ärenden (dataskyddsombud)")

    @blueprint.route("", methods=["GET"])
    @blueprint.raises(Forbidden)
    @blueprint.arguments(ReadLogArgsSchema, location="query", unknown=RAISE)
    @blueprint.response(200, ReadLogPageSchema)
    def read_log(args):
        """Vem läste vilka lex Sarah- och lex Maria-ärenden, när och hur (dataskyddsombud)"""
        principal = current_principal()
        require_roles(principal, DPO_ROLE)
        platform = current_app.extensions["ordning"]
        with platform.engine.connect() as connection:
            return read_log_page(connection, platform.tables.read_log, principal.tenant, args)

    return blueprint
