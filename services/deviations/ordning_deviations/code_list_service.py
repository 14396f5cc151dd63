"""Use cases of the tenant's code lists (code_lists.py): read them, and the administrator's or
kvalitetsutvecklare's edit of one list, whole, with If-Match. One unit of work each, audited as the händelsetyper
are; no event (nothing outside the service keeps a copy: events carry the codes, which never change)."""
from __future__ import annotations

import sqlalchemy as sa
from ordning_shared.db import write_versioned
from ordning_shared.problems import Forbidden

from . import code_lists as cls
from . import db
from . import domain as d
from . import service

EDITORS = ("administrator", "kvalitetsutvecklare")


def _require_staff(principal) -> None:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Kodlistorna kräver en personalroll.", "The code lists need a staff role.")


def _require_editor(principal) -> None:
    if not principal.has_any(*EDITORS):
        raise Forbidden("Det kräver rollen administratör eller kvalitetsutvecklare.",
                        "It needs the administrator or kvalitetsutvecklare role.")


def entry_view(entry: cls.Entry, name: str) -> dict:
    return {"code": entry.code, "label_sv": entry.label_sv, "active": entry.active,
            "needs_note": entry.needs_note if name in cls.NOTE_LISTS else None,
            "serious": entry.serious if name in cls.SERIOUS_LISTS else None}


def list_view(found: cls.CodeList) -> dict:
    return {"name": found.name, "description_sv": cls.DESCRIPTIONS_SV[found.name], "default": found.default,
            "version": found.version, "has_note": found.name in cls.NOTE_LISTS,
            "has_serious": found.name in cls.SERIOUS_LISTS,
            "entries": [entry_view(e, found.name) for e in found.entries]}


def _the_list(conn, tenant: str, name: str) -> cls.CodeList:
    if name not in cls.LIST_NAMES:
        raise cls.UnknownCodeList("Kodlistan finns inte.", "There is no such code list.")
    return cls.code_lists(*db.code_list_rows(conn, tenant, name))[name]


def list_code_lists(platform, principal) -> list[dict]:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        lists = service.tenant_code_lists(conn, principal.tenant)
    return [list_view(lists[name]) for name in cls.LIST_NAMES]


def get_code_list(platform, principal, name: str) -> dict:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        return list_view(_the_list(conn, principal.tenant, name))


def put_code_list(platform, principal, name: str, data: dict, precondition=None) -> dict:
    """The tenant's whole list `name`, checked (code_lists.check_entries); If-Match names the version read (0: the
    defaults). Stored as rows; the list's version counts on."""
    _require_editor(principal)
    with platform.uow() as uow:
        conn = uow.connection
        current = _the_list(conn, principal.tenant, name)
        if precondition is not None:
            precondition(name, current.version)
        checked = cls.check_entries(current, data.get("entries"))
        stale = service.Stale("Kodlistan har ändrats av någon annan; läs om den.",
                              "The code list was changed by someone else; read it again.")
        if not write_versioned(conn, db.code_lists, {"tenant": principal.tenant, "list_name": name}, {},
                                  current.version):
            raise stale
        e = db.code_list_entries.c
        conn.execute(sa.delete(db.code_list_entries).where(e.tenant == principal.tenant, e.list_name == name))
        conn.execute(sa.insert(db.code_list_entries), [
            {"tenant": principal.tenant, "list_name": name, "code": entry.code, "label_sv": entry.label_sv,
             "active": entry.active, "position": position, "needs_note": entry.needs_note, "serious": entry.serious}
            for position, entry in enumerate(checked.entries)])
        stored = cls.CodeList(name, checked.entries, current.version + 1)
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="update", entity_type="code_list",
                  entity_id=name, before=list_view(current), after=list_view(stored))
        uow.commit()
    return list_view(stored)
