"""HTTP: the figures of a scope and a period, as JSON or CSV."""
from __future__ import annotations

import csv
import io

from flask import Response, current_app
from ordning_shared.http import Blueprint, current_principal
from ordning_shared.problems import BadRequest, Forbidden, NotFound, Unprocessable

from . import service
from .schemas import FiguresArgsSchema, FiguresSchema

figures_blp = Blueprint("figures", __name__, url_prefix="/api/v1/figures",
                        description="Compilations of the quality work of a unit, förvaltning or the municipality "
                                    "for a period: deviations, lex Sarah, lex Maria, complaints and feedback, "
                                    "actions; risks, documents and goals as their events arrive.")
BLUEPRINTS = [figures_blp]
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class UnknownTable(NotFound):
    code = "unknown_table"


class TableRequired(BadRequest):
    code = "table_only_with_csv"


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def figures_csv(document: dict, table: str | None) -> str:
    if table is None:
        rows = [["section", "figure", "title_sv", "value"]]
        for section in document["sections"]:
            rows += [[section["key"], figure["key"], figure["title_sv"], figure["value"]]
                     for figure in section["figures"] if figure["type"] == "value"]
        return _csv(rows)
    section_key, figure_key = table.split(".", 1)
    for section in document["sections"]:
        for figure in section["figures"] if section["key"] == section_key else ():
            if figure["key"] == figure_key and figure["type"] == "table":
                keys = [column["key"] for column in figure["columns"]]
                return _csv([keys, *([row.get(key) for key in keys] for row in figure["rows"])])
    raise UnknownTable(f"Det finns ingen tabell {table}; ange <sektion>.<tabell>, t.ex. deviations.by_kind.",
                       f"There is no table {table}; give <section>.<table>, e.g. deviations.by_kind.")


CSV_DOC = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}, "example":
                                                          "kind,label_sv,reported\r\navvikelse,Avvikelse,12\r\n"}}}}}


@figures_blp.route("", methods=["GET"])
@figures_blp.arguments(FiguresArgsSchema, location="query")
@figures_blp.raises(Forbidden, NotFound, Unprocessable, BadRequest)
@figures_blp.response(200, FiguresSchema)
@figures_blp.doc(**CSV_DOC)
def figures(args):
    """Read the figures of a scope and a period

    The figures of a unit with every unit below it, or of the whole municipality (no `unit_id`; for a role at its
    top level), for the days `from` to `to`: deviations by kind, origin, category, händelsetyp (its
    code; the names are the tenant's list in the deviations service, GET /api/v1/event-types), unit, process step
    and month;
    lex Sarah and lex Maria (reported, judged serious, reported to IVO, days from report to IVO); complaints and
    feedback and their answer times; improvement actions (open, overdue, done); and the sections risks, documents
    and goals, which fill as their events arrive (`status: pending` until then). Needs one of the roles
    kvalitetsutvecklare, enhetschef, verksamhetschef, förvaltningschef, MAS, MAR, nämnd or administratör, over the
    unit or above it; a unit outside your units is a 404. `format=csv` answers a table (`table=<section>.<figure>`)
    or every value figure as CSV.
    """
    if args.get("table") and args["format"] != "csv":
        raise TableRequired("Parametern table gäller bara format=csv.", "The parameter table applies only to "
                            "format=csv.")
    document = service.figures(current_app.extensions["ordning"], current_principal(), args.get("unit_id"),
                               args.get("date_from"), args.get("date_to"), args.get("section"))
    if args["format"] == "csv":
        return Response(figures_csv(document, args.get("table")), content_type=CSV_CONTENT_TYPE)
    return document
