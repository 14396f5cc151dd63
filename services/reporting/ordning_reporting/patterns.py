"""Use cases of the patterns: trends month on month and year on year, the units and categories that stand out
against their own history, in-house units beside external providers with rates per 1,000 of a volume; and the
volumes a tenant records. Reads from the cubes (service.CubeReader), never from the events.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from ordning_shared.db import utcnow
from ordning_shared.orgtree import subtree_ids
from ordning_shared.problems import Forbidden, NotFound, PreconditionFailed

from . import db
from .domain import access
from .domain import patterns as p
from .domain.cubes import ACTIONS, DEVIATION_CATEGORIES, DEVIATIONS
from .domain.figures import KIND_LABELS_SV, KINDS
from .domain.period import Period, month_end, month_of
from .projection import _insert
from .service import CubeReader, scope_of, today, units_of

VOLUME_ROLES = frozenset({"administrator", "kvalitetsutvecklare"})


class NoVolumeRole(Forbidden):
    code = "no_volume_role"


class UnknownVolume(NotFound):
    code = "unknown_volume"


def _scope(connection, principal, unit_id):
    units = units_of(connection, principal.tenant)
    return units, scope_of(connection, principal, unit_id, units)


def _scope_document(unit_id, units, scope) -> dict:
    unit = units.get(unit_id) if unit_id else None
    return {"unit_id": unit_id, "unit_name": unit["name"] if unit else None,
            "unit_kind": unit["kind"] if unit else None, "units": len(scope) if scope is not None else len(units)}


# --------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------

def trends(platform, principal, unit_id: str | None, start: date | None, end: date | None,
           now: datetime | None = None) -> dict:
    """Per month of the period (whole months): the count of cases of each kind and of actions, with the change
    from the month before and from the same month a year before."""
    day = today(now)
    asked = Period.of(start, end, day)
    period = Period(month_of(asked.start), month_end(month_of(asked.end)))
    months = period.months
    with platform.engine.connect() as connection:
        units, scope = _scope(connection, principal, unit_id)
        reader = CubeReader(connection, principal.tenant, scope,
                            Period(p.months_back(months[0], 12), period.end))
        cases = reader.sum(DEVIATIONS.name, ("month", "kind"))
        actions = reader.sum(ACTIONS.name, ("month", "status"))
    counts: dict[str, dict[date, int]] = {kind: {} for kind in (*KINDS, "all")}
    for (month, kind), measures in cases.items():
        n = measures.get("reported", 0)
        if kind in counts:
            counts[kind][month] = counts[kind].get(month, 0) + n
        counts["all"][month] = counts["all"].get(month, 0) + n
    created: dict[date, int] = {}
    done: dict[date, int] = {}
    for (month, status), measures in actions.items():
        created[month] = created.get(month, 0) + measures.get("n", 0)
        if status == "done":
            done[month] = done.get(month, 0) + measures.get("n", 0)

    def series(key: str, title_sv: str, by_month: dict[date, int]) -> dict:
        rows = []
        for month in months:
            count = by_month.get(month, 0)
            before, year_before = p.months_back(month, 1), p.months_back(month, 12)
            month_on_month = p.change(count, by_month.get(before, 0))
            year_on_year = p.change(count, by_month.get(year_before, 0))
            rows.append({"month": month.strftime("%Y-%m"), "count": count,
                         "previous_month": month_on_month["previous"], "change_month": month_on_month["change"],
                         "change_month_pct": month_on_month["change_pct"],
                         "same_month_last_year": year_on_year["previous"], "change_year": year_on_year["change"],
                         "change_year_pct": year_on_year["change_pct"]})
        return {"key": key, "title_sv": title_sv, "months": rows}

    return {
        "tenant": principal.tenant, "scope": _scope_document(unit_id, units, scope), "period": period.to_dict(),
        "series": [series("deviations.all", "Alla ärenden", counts["all"]),
                   *(series(f"deviations.{kind}", KIND_LABELS_SV[kind], counts[kind]) for kind in KINDS),
                   series("actions.created", "Skapade åtgärder", created),
                   series("actions.done", "Av dem klara i dag", done)],
        "note_sv": "Hela månader. Ärenden räknas i den månad de anmäldes, åtgärder i den månad de skapades. "
                   "Förändringen i procent saknas (null) när det inte fanns något att jämföra med.",
    }


# --------------------------------------------------------------------------
# Flags: what stands out against its own history
# --------------------------------------------------------------------------

def _default_month(day: date) -> date:
    return p.months_back(month_of(day), 1)  # the last whole month


def flags(platform, principal, unit_id: str | None, month: date | None, kinds: list[str] | None,
          now: datetime | None = None) -> dict:
    day = today(now)
    month = month_of(month) if month is not None else _default_month(day)
    kinds = list(kinds or KINDS)
    window = Period(p.months_back(month, p.HISTORY_MONTHS), month_end(month))
    with platform.engine.connect() as connection:
        units, scope = _scope(connection, principal, unit_id)
        reader = CubeReader(connection, principal.tenant, scope, window)
        by_unit = reader.sum(DEVIATIONS.name, ("unit_id", "month", "kind"))
        by_category = reader.sum(DEVIATION_CATEGORIES.name, ("category_id", "month", "kind"))
    history = [p.months_back(month, n) for n in range(p.HISTORY_MONTHS, 0, -1)]

    def stand(rows: dict) -> dict[str, p.Standing]:
        series: dict[str, dict[date, int]] = {}
        for (key, at, kind), measures in rows.items():
            if kind in kinds:
                counts = series.setdefault(key, {})
                counts[at] = counts.get(at, 0) + measures.get("reported", 0)
        return {key: p.standing([counts.get(m, 0) for m in history], counts.get(month, 0))
                for key, counts in series.items()}

    def flagged(standings: dict[str, p.Standing], cells) -> list[dict]:
        rows = [{**cells(key), **s.to_dict()} for key, s in standings.items() if s.flagged]
        return sorted(rows, key=lambda row: (-(row["count"] - row["threshold"]), str(row.get("unit_name") or "")))

    unit_standings, category_standings = stand(by_unit), stand(by_category)

    def unit_cells(key):
        unit = units.get(key) or {}
        return {"unit_id": key, "unit_name": unit.get("name"), "unit_kind": unit.get("kind")}

    flagged_units = flagged(unit_standings, unit_cells)
    flagged_categories = flagged(category_standings, lambda key: {"category_id": key or None})
    return {
        "tenant": principal.tenant, "scope": _scope_document(unit_id, units, scope),
        "month": month.strftime("%Y-%m"), "kinds": kinds,
        "rule": {"text_sv": p.RULE_SV, "text_en": p.RULE_EN, "min_cases": p.MIN_CASES,
                 "history_months": p.HISTORY_MONTHS, "sd_factor": p.SD_FACTOR},
        "examined": {"units": len(unit_standings), "categories": len(category_standings)},
        "units": flagged_units, "categories": flagged_categories,
    }


# --------------------------------------------------------------------------
# In-house units beside external providers, per 1,000 of a volume
# --------------------------------------------------------------------------

def volumes_of(connection, tenant: str, measure: str, year: int) -> dict[str, Decimal]:
    v = db.volumes.c
    return dict(connection.execute(sa.select(v.unit_id, v.value).where(
        v.tenant == tenant, v.measure == measure, v.year == year)).all())


def providers(platform, principal, unit_id: str | None, year: int | None, measure: str | None,
              now: datetime | None = None) -> dict:
    day = today(now)
    year = year or day.year
    period = Period(date(year, 1, 1), date(year, 12, 31))
    with platform.engine.connect() as connection:
        units, scope = _scope(connection, principal, unit_id)
        reader = CubeReader(connection, principal.tenant, scope, period)
        cases = reader.sum(DEVIATIONS.name, ("unit_id", "kind"))
        volumes = volumes_of(connection, principal.tenant, measure, year) if measure else {}
    in_scope = [uid for uid in (scope if scope is not None else units) if p.regi(units.get(uid, {}).get("kind"))]
    rows = []
    for uid in in_scope:
        unit = units[uid]
        counts = {kind: cases.get((uid, kind), {}).get("reported", 0) for kind in KINDS}
        total = sum(counts.values())
        volume = volumes.get(uid)
        rows.append({"unit_id": uid, "unit_name": unit["name"], "unit_kind": unit["kind"],
                     "regi": p.regi(unit["kind"]), "regi_sv": p.REGI_LABELS_SV[p.regi(unit["kind"])],
                     "total": total, "by_kind": counts, "volume": float(volume) if volume is not None else None,
                     "rate_total": p.rate(total, volume),
                     "rate_by_kind": {kind: p.rate(counts[kind], volume) for kind in KINDS}})
    groups = []
    for regi in (p.IN_HOUSE, p.EXTERNAL):
        members = [row for row in rows if row["regi"] == regi]
        measured = [row for row in members if row["volume"] is not None]
        volume = sum((Decimal(str(row["volume"])) for row in measured), Decimal(0)) if measured else None
        groups.append({"regi": regi, "regi_sv": p.REGI_LABELS_SV[regi], "units": len(members),
                       "units_with_volume": len(measured), "total": sum(row["total"] for row in members),
                       "by_kind": {kind: sum(row["by_kind"][kind] for row in members) for kind in KINDS},
                       "volume": float(volume) if volume is not None else None,
                       "rate_total": p.rate(sum(row["total"] for row in measured), volume)})
    return {
        "tenant": principal.tenant, "scope": _scope_document(unit_id, units, scope), "year": year,
        "measure": measure, "measure_sv": p.MEASURE_LABELS_SV.get(measure or "", measure),
        "groups": groups,
        "units": sorted(rows, key=lambda row: (row["regi"], row["unit_name"] or "")),
        "note_sv": "Ärenden anmälda under året per enhet i egen regi och per extern utförare (privat regi). Per "
                   "1 000 av volymen bara där kommunen registrerat en volym för enheten och året; gruppens tal "
                   "räknas över de enheter som har en volym.",
    }


# --------------------------------------------------------------------------
# Volumes: tenant data
# --------------------------------------------------------------------------

def _volume_view(row) -> dict:
    return {"unit_id": row.unit_id, "measure": row.measure, "year": row.year, "value": row.value,
            "version": row.version, "changed_at": row.changed_at}


def volume_etag_id(unit_id: str, measure: str, year: int) -> str:
    return f"volume:{unit_id}:{measure}:{year}"


def _readable_units(connection, principal) -> set[str]:
    return subtree_ids(connection, db.tables.org_units, principal.tenant, principal.org_units)


def list_volumes(platform, principal, unit_id: str | None, year: int | None, measure: str | None) -> list[dict]:
    access.require_figure_role(principal.roles)
    v = db.volumes.c
    with platform.engine.connect() as connection:
        mine = _readable_units(connection, principal)
        query = sa.select(db.volumes).where(v.tenant == principal.tenant)
        if unit_id is not None:
            query = query.where(v.unit_id == unit_id)
        if year is not None:
            query = query.where(v.year == year)
        if measure is not None:
            query = query.where(v.measure == measure)
        rows = connection.execute(query.order_by(v.year, v.measure, v.unit_id)).all()
    return [_volume_view(row) for row in rows if row.unit_id in mine]


def get_volume(platform, principal, unit_id: str, measure: str, year: int) -> dict:
    access.require_figure_role(principal.roles)
    v = db.volumes.c
    with platform.engine.connect() as connection:
        row = None
        if unit_id in _readable_units(connection, principal):
            row = connection.execute(sa.select(db.volumes).where(
                v.tenant == principal.tenant, v.unit_id == unit_id, v.measure == measure, v.year == year)).first()
    if row is None:
        raise UnknownVolume("Det finns ingen sådan volym registrerad bland dina enheter.",
                            "There is no such volume recorded among your units.")
    return _volume_view(row)


def put_volume(platform, principal, unit_id: str, measure: str, year: int, value, precondition,
               now: datetime | None = None) -> tuple[dict, bool]:
    """Record (or change, with If-Match) the volume of a unit, measure and year; (volume, created)."""
    if not VOLUME_ROLES & set(principal.roles):
        raise NoVolumeRole("Att registrera volymer kräver rollen administratör eller kvalitetsutvecklare.",
                           "Recording volumes needs the role administrator or kvalitetsutvecklare.")
    volume = p.check_volume(measure, year, value)
    v = db.volumes.c
    with platform.uow() as uow:
        connection = uow.connection
        ou = db.tables.org_units
        known = connection.execute(sa.select(ou.c.id).where(ou.c.tenant == principal.tenant,
                                                            ou.c.id == unit_id)).first()
        if known is None or unit_id not in _readable_units(connection, principal):
            raise UnknownVolume(f"Det finns ingen enhet med id {unit_id} bland dina enheter.",
                                f"There is no org unit with id {unit_id} among your units.")
        key = (v.tenant == principal.tenant, v.unit_id == unit_id, v.measure == measure, v.year == year)
        row = connection.execute(sa.select(db.volumes).where(*key).with_for_update()).first()
        at = now or utcnow()
        if row is None:
            inserted = connection.execute(_insert(connection)(db.volumes).values(
                tenant=principal.tenant, unit_id=unit_id, measure=measure, year=year, value=volume, version=1,
                changed_at=at).on_conflict_do_nothing().returning(v.version)).first()
            if inserted is None:  # recorded by someone else a moment ago: what they wrote is not overwritten
                raise PreconditionFailed("Volymen registrerades nyss av någon annan; läs om den.",
                                         "The volume was just recorded by someone else; read it again.")
            before, version = None, 1
        else:
            precondition(volume_etag_id(unit_id, measure, year), row.version)
            version = row.version + 1
            connection.execute(db.volumes.update().where(*key).values(value=volume, version=version, changed_at=at))
            before = {"value": str(row.value), "version": row.version}
        what = {"measure": measure, "year": year}  # the audit's entity is the unit; the volume's key beside it
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put_volume", entity_type="volume",
                  entity_id=unit_id, before={**what, **before} if before else None,
                  after={**what, "value": str(volume), "version": version})
        uow.commit()
    with platform.engine.connect() as connection:
        saved = connection.execute(sa.select(db.volumes).where(*key)).first()
    return _volume_view(saved), row is None
