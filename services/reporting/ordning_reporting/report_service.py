"""Use cases of the yearly reports: create, list, read, write a section's text, regenerate the figures, finish.

A report's figures are the figures API's answer (service.figures) for its scope and the whole of its year, taken
when the draft is created and each time it is regenerated, plus the deviations of the year before for the trend,
their case counts suppressed under the tenant's threshold (domain/report_suppression.py; the threshold is kept in
the figures). Finishing freezes the report with those figures and the charts drawn from them; it never changes
again, whatever the threshold becomes, and is published (se.ordning.report.finished.v1 through the outbox, in the
same transaction). A draft whose figures went by another threshold than today's is not
finished: its figures are taken anew first.

Access, as the figures API's: a figure role over the report's scope (a förvaltning within the caller's units, or
the whole municipality for a role at its top level); a report the caller may not read is "not found". Writing
and regenerating need an author's role, finishing a finisher's (domain/reports.py); each change is audited (the
names of the fields it changed, never the text).
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from ordning_shared import idempotency
from ordning_shared.db import utcnow
from ordning_shared.problems import Conflict, Forbidden, NotFound, PreconditionFailed, Unprocessable

from . import report_db as rdb
from . import report_view, service
from .domain import access
from .domain import reports as r
from .domain.report_suppression import suppressed_figures, threshold_of
from .region import thresholds_of

ENTITY = "report"


class ReportExists(Conflict):
    code = "report_exists"


class NotAnAdministration(Unprocessable):
    code = "not_an_administration"


class NotAnAuthor(Forbidden):
    code = "not_a_report_author"


def _not_found() -> NotFound:
    return NotFound("Berättelsen finns inte.", "There is no such report.")


def _stale() -> PreconditionFailed:
    return PreconditionFailed("Berättelsen har ändrats av någon annan; läs om den.",
                              "The report was changed by someone else; read it again.")


def _check_author(report_kind, roles) -> None:
    spec = r.definition(report_kind)
    if not spec.authors.intersection(roles):
        raise NotAnAuthor(f"Din roll får inte skriva en {spec.title.lower()}.",
                          "Your roles do not allow writing a report of this kind.", roles=sorted(spec.authors))


def _audit_state(report: r.Report) -> dict:
    """What the audit trail compares: the state and which sections have text, never the text or the figures."""
    return {"status": report.status.value, "version": report.version, "figures_generated_at":
            report.figures_generated_at, "finished_by": report.finished_by,
            **{f"text.{key}": len(text) for key, text in report.texts.items()}}


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

def take_figures(platform, principal, report: r.Report, now: datetime) -> dict:
    """The figures the report shows, as the figures API answers them: the report's year, every section it
    names; and the deviations of the year before (the trend). Raises as the figures API does when the caller
    may not read the scope."""
    spec = report.definition
    document = service.figures(platform, principal, report.scope_unit_id, date(report.year, 1, 1),
                               date(report.year, 12, 31), list(spec.figure_sections), now=now)
    previous = service.figures(platform, principal, report.scope_unit_id, date(report.year - 1, 1, 1),
                               date(report.year - 1, 12, 31), ["deviations"], now=now)
    stored = _jsonable(document)  # as JSON: dates as ISO text, as the figures API answers them
    stored["previous_year"] = {"period": _jsonable(previous["period"]), "sections": _jsonable(previous["sections"])}
    with platform.engine.connect() as connection:
        threshold = tenant_threshold(connection, principal.tenant)
    # the nämnd's document: its case counts by the small-count rule, under the tenant's threshold of today
    return suppressed_figures(stored, threshold)


def tenant_threshold(connection, tenant: str) -> int:
    return thresholds_of(connection, [tenant])[tenant]


def _jsonable(value):
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _readable(connection, principal, row) -> r.Report:
    """The report of a row if the principal may read its scope, else 404 (as the figures API hides a unit)."""
    if row is None:
        raise _not_found()
    report = rdb.from_row(row)
    units = service.units_of(connection, principal.tenant)
    try:
        service.scope_of(connection, principal, report.scope_unit_id, units)
    except (access.UnknownScope, access.MunicipalityNotInScope):
        raise _not_found() from None
    if report.figures is not None and threshold_of(report.figures) is None:
        _suppress_taken_before(connection, report)
    return report


def _suppress_taken_before(connection, report: r.Report) -> None:
    """A report whose figures were taken before reports suppressed small counts: shown suppressed under the
    tenant's threshold now, a finished one's charts drawn anew from them (its stored ones show the raw counts);
    a draft keeps them so at its next change."""
    report.figures = suppressed_figures(report.figures, tenant_threshold(connection, report.tenant))
    if report.frozen:
        charts = report_view.draw_charts(report.definition, report.figures, report.year)
        report.charts = {key: chart.to_dict() for key, chart in charts.items()}


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def create_report(platform, principal, data: dict, claim=None, now: datetime | None = None) -> str:
    """A draft of a kind for a förvaltning or the municipality and a year, with its figures taken at once."""
    now = now or utcnow()
    kind, scope_type, unit_id, year = data["kind"], data["scope_type"], data.get("unit_id"), data["year"]
    r.check_new_report(kind, scope_type, unit_id, year, service.today(now))
    with platform.engine.connect() as connection:
        units = service.units_of(connection, principal.tenant)
        service.scope_of(connection, principal, unit_id, units)  # 403 without a figure role, 404 outside one's units
    _check_author(kind, principal.roles)
    if unit_id is not None and units[unit_id]["kind"] != "administration":
        raise NotAnAdministration("Enheten är ingen förvaltning; en berättelse skrivs för en förvaltning eller "
                                  "hela kommunen.", "The unit is not an administration; a report is written for an "
                                  "administration or the whole municipality.")
    report = r.Report(id=str(uuid.uuid4()), tenant=principal.tenant, kind=r.ReportKind(kind),
                      scope_type=r.ScopeType(scope_type), scope_unit_id=unit_id, year=year, created_at=now,
                      created_by=principal.subject)
    report.figures = take_figures(platform, principal, report, now)
    report.figures_generated_at = now
    with platform.uow() as uow:
        existing = rdb.existing_id(uow.connection, report.tenant, report.kind.value, rdb.scope_key(report), year)
        if existing is not None:
            raise ReportExists("Det finns redan en sådan berättelse för den omfattningen och det året.",
                               "A report of this kind for that scope and year exists already.", report_id=existing)
        rdb.insert(uow.connection, report)
        uow.audit(tenant=report.tenant, actor=principal.subject, action="create", entity_type=ENTITY,
                  entity_id=report.id, after=_audit_state(report))
        idempotency.record(claim, uow, report.id)
        uow.commit()
    return report.id


def _change(platform, principal, report_id: str, action: str, precondition, change) -> None:
    with platform.uow() as uow:
        report = _readable(uow.connection, principal, rdb.row(uow.connection, principal.tenant, report_id, lock=True))
        if precondition is not None:
            precondition(report.id, report.version)
        before, read_version = _audit_state(report), report.version
        change(report, uow.connection)
        if report.version == read_version:
            return
        if not rdb.update(uow.connection, report, read_version):
            raise _stale()
        for event in report.events:  # in the outbox, in the change's transaction
            uow.add_event(event)
        uow.audit(tenant=report.tenant, actor=principal.subject, action=action, entity_type=ENTITY,
                  entity_id=report.id, before=before, after=_audit_state(report))
        uow.commit()


def write_section(platform, principal, report_id: str, section_key: str, text: str, precondition=None) -> None:
    def change(report: r.Report, _connection) -> None:
        _check_author(report.kind, principal.roles)
        report.edit_text(section_key, text)

    _change(platform, principal, report_id, "write_section", precondition, change)


def regenerate(platform, principal, report_id: str, precondition=None, now: datetime | None = None) -> None:
    """Take the figures anew (a draft only); the text stays."""
    now = now or utcnow()
    with platform.engine.connect() as connection:
        report = _readable(connection, principal, rdb.row(connection, principal.tenant, report_id))
    report.check_draft()  # a finished report is refused before its figures are computed for nothing
    _check_author(report.kind, principal.roles)
    figures = take_figures(platform, principal, report, now)

    def change(current: r.Report, _connection) -> None:
        _check_author(current.kind, principal.roles)
        current.regenerate(figures, now)

    _change(platform, principal, report_id, "regenerate", precondition, change)


def finish(platform, principal, report_id: str, precondition=None, now: datetime | None = None) -> None:
    """Freeze the report with the figures it shows now and the charts drawn from them, with who and when."""
    now = now or utcnow()

    def change(report: r.Report, connection) -> None:
        charts = report_view.draw_charts(report.definition, report.figures, report.year)
        report.finish(by=principal.subject, by_name=principal.name, roles=principal.roles,
                      charts={key: chart.to_dict() for key, chart in charts.items()}, at=now,
                      threshold=tenant_threshold(connection, report.tenant))

    _change(platform, principal, report_id, "finish", precondition, change)


# --------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------

def read_report(platform, principal, report_id: str) -> r.Report:
    with platform.engine.connect() as connection:
        return _readable(connection, principal, rdb.row(connection, principal.tenant, report_id))


def list_reports(platform, principal, flt: rdb.ReportFilter) -> list[r.Report]:
    """The reports whose scope the caller may read."""
    access.require_figure_role(principal.roles)
    with platform.engine.connect() as connection:
        units = service.units_of(connection, principal.tenant)
        readable = []
        for row in rdb.summaries(connection, principal.tenant, flt):
            try:
                service.scope_of(connection, principal, row.scope_unit_id, units)
            except (access.UnknownScope, access.MunicipalityNotInScope):
                continue
            readable.append(rdb.from_row(row))
    return readable


def view_of(report: r.Report):
    """What the page and the PDF show: a finished report with the charts it stored, a draft's drawn now."""
    from ordning_shared.charts import Chart

    stored = {key: Chart.from_dict(data) for key, data in (report.charts or {}).items()} if report.frozen else None
    return report_view.build_view(report, charts=stored)
