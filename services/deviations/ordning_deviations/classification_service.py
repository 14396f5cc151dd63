"""Use cases of a case's classification (classification.py): the tenant's händelsetyper and places (tenant data),
the copy of the risk matrices' consequence scales (from the risks service's events), and a handler's change of a
case's händelsetyp, consequence score and place. One function per command, one unit of work each."""
from __future__ import annotations

import uuid

from ordning_shared import idempotency
from ordning_shared.db import write_versioned
from ordning_shared.events import require_source
from ordning_shared.problems import Conflict, Forbidden, NotFound, Unprocessable

from . import classification as cl
from . import db
from . import domain as d
from . import service

RISK_MATRIX_CHANGED = "se.ordning.risk.matrix_changed.v1"  # published by the risks service


class EventTypeExists(Conflict):
    code = "event_type_exists"


class PlaceExists(Conflict):
    code = "place_exists"


class StaleMatrixVersion(Conflict):
    code = "stale_matrix_version"


class UnknownPlaceUnit(Unprocessable):
    code = "unknown_unit"


def _require_staff(principal) -> None:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Listan kräver en personalroll.", "The list needs a staff role.")


# --------------------------------------------------------------------------
# The consequence scale: the copy of the tenant's risk matrices
# --------------------------------------------------------------------------

def apply_matrix_event(uow, cloudevent) -> None:
    """se.ordning.risk.matrix_changed.v1: keep the version's consequence scale. Versions never change in the risks
    service, so a redelivered or late event changes nothing, and the highest version is the current one whatever
    the order of arrival."""
    require_source(cloudevent, "risks")  # the risk matrix is the risks service's truth
    data = cloudevent.get_data()
    version = data.get("version")
    scale = cl.scale_of(version, data.get("consequence_steps")) if isinstance(version, int) \
        and not isinstance(version, bool) and version >= 1 else None
    if scale is None:
        raise ValueError("matrix_changed without a whole consequence scale")  # the risks service sends none such
    db.insert_scale(uow.connection, cloudevent.get_attributes()["tenant"], version, scale.steps())


def handlers() -> dict:
    return {RISK_MATRIX_CHANGED: apply_matrix_event}


def current_scale(conn, tenant: str) -> cl.ConsequenceScale:
    """The consequence scale of the tenant's newest matrix version; the default where no copy exists."""
    for row in db.scale_rows(conn, tenant):
        scale = cl.scale_of(row.version, row.consequence_steps)
        if scale is not None:
            return scale
    return cl.DEFAULT_SCALE


def get_consequence_scale(platform, principal) -> dict:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        scale = current_scale(conn, principal.tenant)
    return {"matrix_version": scale.version, "steps": scale.steps(), "default": scale.default}


def labels(dev: d.Deviation, m) -> dict:
    """The labels a case shows beside its codes, from its row's columns (db.case_select)."""
    found = cl.event_type_of([], dev.event_type) if dev.event_type else None
    type_label = m.get("event_type_label") or (found.label if found else dev.event_type)
    steps = m.get("consequence_steps")
    scale = (cl.scale_of(dev.consequence_matrix_version, steps) if steps is not None
             else cl.DEFAULT_SCALE if dev.consequence_matrix_version == 1 else None)
    return {"event_type_label": type_label if dev.event_type else None,
            "event_type_retired": bool(m.get("event_type_retired")) if dev.event_type else None,
            "place_name": m.get("place_name"),
            "consequence_label": scale.label(dev.consequence_score) if scale is not None else None}


# --------------------------------------------------------------------------
# Händelsetyper (administrator)
# --------------------------------------------------------------------------

def event_type_view(found: cl.EventType) -> dict:
    return {"id": found.code, "code": found.code, "label": found.label, "retired": found.retired,
            "default": found.default, "version": found.version}


def list_event_types(platform, principal, include_retired: bool = False) -> list[dict]:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        rows = db.event_type_rows(conn, principal.tenant)
    return [event_type_view(t) for t in cl.event_types(rows) if include_retired or not t.retired]


def get_event_type(platform, principal, code: str) -> dict:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        found = cl.event_type_of(db.event_type_rows(conn, principal.tenant), code)
    if found is None:
        raise NotFound("Händelsetypen finns inte.", "There is no such event type.")
    return event_type_view(found)


def _unique_label(types: list[cl.EventType], label: str, except_code: str | None = None) -> None:
    if any(t.label.lower() == label.lower() and t.code != except_code for t in types):
        raise EventTypeExists(f"Händelsetypen '{label}' finns redan.", "The event type exists already.")


def add_event_type(platform, principal, data: dict, claim=None) -> str:
    """The tenant's own händelsetyp; its code is given, or made from its label, and never changes."""
    service._require_admin(principal)
    label = data["label"].strip()
    code = cl.check_event_type_code(data.get("code") or cl.code_of(label))
    with platform.uow() as uow:
        types = cl.event_types(db.event_type_rows(uow.connection, principal.tenant))
        if any(t.code == code for t in types):
            raise EventTypeExists(f"Koden {code} finns redan.", f"The code {code} exists already.")
        _unique_label(types, label)
        values = {"tenant": principal.tenant, "code": code, "label": label, "retired": False, "version": 1}
        if not write_versioned(uow.connection, db.event_types, {"tenant": principal.tenant, "code": code},
                               {"label": label, "retired": False}, 0):
            raise EventTypeExists(f"Koden {code} finns redan.", f"The code {code} exists already.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="create", entity_type="event_type",
                  entity_id=code, after=values)
        idempotency.record(claim, uow, code)
        uow.commit()
    return code


def update_event_type(platform, principal, code: str, data: dict, precondition=None) -> dict:
    """Rename (label) or retire/restore (retired) a händelsetyp, a default included (its first change is the tenant's
    row); If-Match names the version read (0: the default)."""
    service._require_admin(principal)
    with platform.uow() as uow:
        types = cl.event_types(db.event_type_rows(uow.connection, principal.tenant))
        found = next((t for t in types if t.code == code), None)
        if found is None:
            raise NotFound("Händelsetypen finns inte.", "There is no such event type.")
        if precondition is not None:
            precondition(found.code, found.version)
        label = data["label"].strip() if "label" in data else found.label
        _unique_label(types, label, except_code=code)
        values = {"label": label, "retired": data.get("retired", found.retired)}
        if not write_versioned(uow.connection, db.event_types, {"tenant": principal.tenant, "code": code}, values,
                               found.version):
            raise service.Stale("Händelsetypen har ändrats av någon annan; läs om den.",
                                "The event type was changed by someone else; read it again.")
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="update", entity_type="event_type",
                  entity_id=code, before={"code": code, "retired": found.retired, "version": found.version},
                  after={"code": code, **values, "version": found.version + 1})
        uow.commit()
    return event_type_view(cl.EventType(code, label, values["retired"], False, found.version + 1))


# --------------------------------------------------------------------------
# Places of a unit (administrator)
# --------------------------------------------------------------------------

def place_view(row) -> dict:
    return {"id": row.id, "unit_id": row.unit_id, "name": row.name, "retired": row.retired, "version": row.version}


def list_places(platform, principal, unit_id: str | None = None, include_retired: bool = False) -> list[dict]:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        return [place_view(r) for r in db.place_rows(conn, principal.tenant, unit_id, include_retired)]


def get_place(platform, principal, place_id: str) -> dict:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        row = db.place_row(conn, principal.tenant, place_id)
    if row is None:
        raise NotFound("Platsen finns inte.", "There is no such place.")
    return place_view(row)


def _unique_place(conn, tenant: str, unit_id: str, name: str, except_id: str | None = None) -> None:
    if any(r.name.lower() == name.lower() and r.id != except_id
           for r in db.place_rows(conn, tenant, unit_id, include_retired=True)):
        raise PlaceExists(f"Platsen '{name}' finns redan på enheten.", "The place exists already at the unit.")


def add_place(platform, principal, data: dict, claim=None) -> str:
    service._require_admin(principal)
    name, unit_id = data["name"].strip(), data["unit_id"]
    place_id = str(uuid.uuid4())
    with platform.uow() as uow:
        if db.open_unit(uow.connection, principal.tenant, unit_id) is None:
            raise UnknownPlaceUnit(f"Enheten {unit_id} är okänd eller stängd.",
                                   f"The unit {unit_id} is unknown or closed.")
        _unique_place(uow.connection, principal.tenant, unit_id, name)
        values = {"id": place_id, "tenant": principal.tenant, "unit_id": unit_id, "name": name, "retired": False,
                  "version": 1}
        uow.execute(db.places.insert().values(**values))
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="create", entity_type="place",
                  entity_id=place_id, after=values)
        idempotency.record(claim, uow, place_id)
        uow.commit()
    return place_id


def update_place(platform, principal, place_id: str, data: dict, precondition=None) -> dict:
    """Rename (name) or retire/restore (retired) a place; If-Match names the version read."""
    service._require_admin(principal)
    with platform.uow() as uow:
        row = db.place_row(uow.connection, principal.tenant, place_id)
        if row is None:
            raise NotFound("Platsen finns inte.", "There is no such place.")
        if precondition is not None:
            precondition(row.id, row.version)
        values = {}
        if "name" in data:
            values["name"] = data["name"].strip()
            _unique_place(uow.connection, principal.tenant, row.unit_id, values["name"], except_id=row.id)
        if "retired" in data:
            values["retired"] = data["retired"]
        p = db.places.c
        if uow.execute(db.places.update().where(p.tenant == principal.tenant, p.id == row.id,
                                                p.version == row.version)
                       .values(**values, version=row.version + 1)).rowcount != 1:
            raise service.Stale("Platsen har ändrats av någon annan; läs om den.",
                                "The place was changed by someone else; read it again.")
        after = {**place_view(row), **values, "version": row.version + 1}
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="update", entity_type="place",
                  entity_id=row.id, before=place_view(row), after=after)
        uow.commit()
    return after


# --------------------------------------------------------------------------
# A case's classification
# --------------------------------------------------------------------------

def place_units(unit_id: str, data_or_case) -> set[str]:
    """The units whose places a case may name: its (reporting) unit, and the involved unit where one is named."""
    involved = (data_or_case.get("involved_unit_id") if isinstance(data_or_case, dict)
                else getattr(data_or_case, "involved_unit_id", None))
    return {str(unit) for unit in (unit_id, involved) if unit}


def require_place(conn, tenant: str, place_id: str | None, units: set[str], current: str | None = None):
    """The place's row if it is a place of the tenant at one of `units` and not retired (the case's own place passes
    even when retired since); None for none; else 422 unknown_place."""
    if place_id is None or not str(place_id).strip():
        return None
    row = db.place_row(conn, tenant, place_id)
    if row is None or row.unit_id not in units or (row.retired and place_id != current):
        raise cl.UnknownPlace(f"Platsen {str(place_id)[:40]} är okänd, utgången eller hör inte till ärendets enhet.",
                              f"The place {str(place_id)[:40]!r} is unknown, retired or not a place of the case's "
                              "unit.")
    return row


def check_report(conn, tenant: str, data: dict) -> dict:
    """The händelsetyp and place a report names, checked: {"event_type", "place_id"} and the labels to answer with."""
    rows = db.event_type_rows(conn, tenant) if data.get("event_type") else []  # none named: nothing to read
    event_type = cl.require_event_type(rows, data.get("event_type"))
    place = require_place(conn, tenant, data.get("place_id"), place_units(data["unit_id"], data))
    found = cl.event_type_of(rows, event_type) if event_type else None
    return {"event_type": event_type, "place_id": place.id if place is not None else None,
            "event_type_label": found.label if found else None, "place_name": place.name if place is not None else None}


def classify(platform, principal, deviation_id: str, data: dict, precondition=None) -> d.Deviation:
    """A handler sets, changes or clears the case's händelsetyp, consequence score (on the tenant's current
    matrix: `matrix_version`, if given, must be it) and place; each change an event."""
    with platform.uow() as uow:
        conn = uow.connection
        _row, dev = service._load(uow, principal, deviation_id, "change_category")  # who classifies, classifies
        if precondition is not None:
            precondition(dev.id, dev.version)
        before, expected = service._snapshot(dev), dev.version
        if "event_type" in data:
            cl.change_event_type(dev, cl.require_event_type(db.event_type_rows(conn, dev.tenant), data["event_type"],
                                                            dev.event_type))
        if "consequence_score" in data:
            scale = current_scale(conn, dev.tenant)
            asked = data.get("matrix_version")
            if data["consequence_score"] is not None and asked is not None and asked != scale.version:
                raise StaleMatrixVersion(
                    f"Riskmatrisen har ändrats: poängsätt konsekvensen på version {scale.version}, inte {asked}.",
                    f"The risk matrix has changed: score the consequence on version {scale.version}, not {asked}.",
                    matrix_version=scale.version)
            cl.score_consequence(dev, data["consequence_score"], scale)
        if "place_id" in data:
            place = require_place(conn, dev.tenant, data["place_id"], place_units(dev.unit_id, dev), dev.place_id)
            cl.change_place(dev, place.id if place is not None else None)
        if dev.version == expected and not dev.events:
            return dev
        service._save(uow, principal, dev, before, expected, "classify")
        uow.commit()
    return dev

