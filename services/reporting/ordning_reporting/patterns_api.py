"""HTTP: patterns (trends, flags, in-house beside external providers) and the volumes a tenant records."""
from __future__ import annotations

from datetime import date

from flask import Response, current_app
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.problems import Forbidden, NotFound, Unprocessable

from . import patterns
from .api import CSV_CONTENT_TYPE, _csv
from .domain.figures import KINDS
from .domain.patterns import InvalidVolume
from .pattern_schemas import (FlagsArgsSchema, FlagsSchema, ProvidersArgsSchema, ProvidersSchema, TrendsArgsSchema,
                              TrendsSchema, VolumeBodySchema, VolumeListSchema, VolumesArgsSchema, VolumeSchema)

PATH_PARAMETERS = {
    "unit_id": {"description": "The unit's id (a UUID).", "example": "27460a56-bb16-57e0-90af-507fac38efb8"},
    "measure": {"description": "The measure's code (a-z, 0-9, _).", "example": "varddygn"},
    "year": {"description": "The year.", "example": "2026"},
}

patterns_blp = Blueprint("patterns", __name__, url_prefix="/api/v1/patterns",
                         description="Patterns in the quality work of a scope: trends month on month and year on "
                                     "year, the units and categories that stand out against their own history "
                                     "(the rule is in the answer), and units in egen regi beside external "
                                     "providers (privat regi), per 1,000 of a volume.")
volumes_blp = Blueprint("volumes", __name__, url_prefix="/api/v1/volumes", path_parameters=PATH_PARAMETERS,
                        description="Volumes the municipality records per unit, measure and year (brukare, "
                                    "vårddygn, hemtjänsttimmar ...): the denominators of the rates per 1,000.")
BLUEPRINTS = [patterns_blp, volumes_blp]


def _platform():
    return current_app.extensions["ordning"]


# --------------------------------------------------------------------------
# CSV: each answer as a table, its keys as the header (the JSON's keys, so the two read alike)
# --------------------------------------------------------------------------

TREND_COLUMNS = ("month", "count", "previous_month", "change_month", "change_month_pct", "same_month_last_year",
                 "change_year", "change_year_pct")
STANDING_COLUMNS = ("count", "mean", "sd", "threshold")


def trends_csv(document: dict) -> str:
    """One line per series and month: the count and its changes from the month before and a year before."""
    rows = [["series", "title_sv", *TREND_COLUMNS]]
    for series in document["series"]:
        rows += [[series["key"], series["title_sv"], *(month.get(key) for key in TREND_COLUMNS)]
                 for month in series["months"]]
    return _csv(rows)


def flags_csv(document: dict) -> str:
    """One line per flagged unit, then per flagged category, in the month examined (the rule is in the JSON)."""
    rows = [["month", "what", "unit_id", "unit_name", "unit_kind", "category_id", *STANDING_COLUMNS]]
    rows += [[document["month"], "unit", row.get("unit_id"), row.get("unit_name"), row.get("unit_kind"), None,
              *(row.get(key) for key in STANDING_COLUMNS)] for row in document["units"]]
    rows += [[document["month"], "category", None, None, None, row.get("category_id"),
              *(row.get(key) for key in STANDING_COLUMNS)] for row in document["categories"]]
    return _csv(rows)


def providers_csv(document: dict) -> str:
    """One line per group (egen regi, privat regi), then one per unit and provider: cases per kind, the volume
    and the rates per 1,000 where a volume is recorded (empty where none is)."""
    rows = [["year", "measure", "row", "regi", "regi_sv", "unit_id", "unit_name", "unit_kind", "units",
             "units_with_volume", "total", *KINDS, "volume", "rate_total", *(f"rate_{kind}" for kind in KINDS)]]
    head = [document["year"], document.get("measure")]
    for group in document["groups"]:
        rows.append([*head, "group", group["regi"], group["regi_sv"], None, None, None, group["units"],
                     group["units_with_volume"], group["total"], *(group["by_kind"].get(kind) for kind in KINDS),
                     group.get("volume"), group.get("rate_total"), *([None] * len(KINDS))])
    for unit in document["units"]:
        rates = unit.get("rate_by_kind") or {}
        rows.append([*head, "unit", unit["regi"], unit["regi_sv"], unit["unit_id"], unit.get("unit_name"),
                     unit.get("unit_kind"), None, None, unit["total"], *(unit["by_kind"].get(kind) for kind in KINDS),
                     unit.get("volume"), unit.get("rate_total"), *(rates.get(kind) for kind in KINDS)])
    return _csv(rows)


def volumes_csv(items: list[dict]) -> str:
    return _csv([["unit_id", "measure", "year", "value", "version", "changed_at"],
                 *([item["unit_id"], item["measure"], item["year"], item["value"], item["version"],
                    item["changed_at"].isoformat()] for item in items)])


def _answer(args, document, to_csv):
    """The document, or with format=csv its table as CSV."""
    if args.get("format") == "csv":
        return Response(to_csv(document), content_type=CSV_CONTENT_TYPE)
    return document


def _csv_doc(example: str) -> dict:
    return {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}, "example": example}}}}}


@patterns_blp.route("/trends", methods=["GET"])
@patterns_blp.arguments(TrendsArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound, Unprocessable)
@patterns_blp.response(200, TrendsSchema)
@patterns_blp.doc(**_csv_doc("series,title_sv,month,count,previous_month,change_month,change_month_pct,"
                             "same_month_last_year,change_year,change_year_pct\r\n"
                             "deviations.all,Alla ärenden,2026-03,12,9,3,33.3,10,2,20.0\r\n"))
def trends(args):
    """Read the trends of a scope

    Per whole month of the period: cases reported of each kind and in all, actions created and of them done, each
    with the change from the month before and from the same month a year before. The same roles and scopes as
    the figures. `format=csv`: one line per series and month.
    """
    return _answer(args, patterns.trends(_platform(), current_principal(), args.get("unit_id"),
                                         args.get("date_from"), args.get("date_to")), trends_csv)


@patterns_blp.route("/flags", methods=["GET"])
@patterns_blp.arguments(FlagsArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound)
@patterns_blp.response(200, FlagsSchema)
@patterns_blp.doc(**_csv_doc("month,what,unit_id,unit_name,unit_kind,category_id,count,mean,sd,threshold\r\n"
                             "2026-10,unit,27460a56-bb16-57e0-90af-507fac38efb8,Hemtjänst Norr,unit,,9,2.1,1.2,4.5"
                             "\r\n"))
def flags(args):
    """Read the units and categories that stand out

    The units of the scope and the categories whose count of cases in the month stands out against their own
    previous 12 months, by the rule the answer states (`rule.text_sv`): at least 5 cases and above the mean plus
    two standard deviations. `format=csv`: one line per flagged unit, then per flagged category.
    """
    month = date.fromisoformat(args["month"] + "-01") if args.get("month") else None
    return _answer(args, patterns.flags(_platform(), current_principal(), args.get("unit_id"), month,
                                        args.get("kind")), flags_csv)


@patterns_blp.route("/providers", methods=["GET"])
@patterns_blp.arguments(ProvidersArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound)
@patterns_blp.response(200, ProvidersSchema)
@patterns_blp.doc(**_csv_doc("year,measure,row,regi,regi_sv,unit_id,unit_name,unit_kind,units,units_with_volume,"
                             "total,avvikelse,lex_sarah,lex_maria,klagomal,synpunkt,volume,rate_total,"
                             "rate_avvikelse,rate_lex_sarah,rate_lex_maria,rate_klagomal,rate_synpunkt\r\n"
                             "2026,,group,in_house,Egen regi,,,,3,0,20,18,1,1,0,0,,,,,,,\r\n"))
def providers(args):
    """Compare units in egen regi with external providers

    Cases reported in the year per unit (org kind `unit`) and per external provider (`external_provider`,
    utförare i privat regi), and per group; with `measure`, also per 1,000 of that volume where the municipality
    recorded one for the unit and year. `format=csv`: one line per group, then one per unit and provider.
    """
    return _answer(args, patterns.providers(_platform(), current_principal(), args.get("unit_id"), args.get("year"),
                                            args.get("measure")), providers_csv)


@volumes_blp.route("", methods=["GET"])
@volumes_blp.arguments(VolumesArgsSchema, location="query")
@volumes_blp.raises(Forbidden)
@volumes_blp.response(200, VolumeListSchema)
@volumes_blp.doc(**_csv_doc("unit_id,measure,year,value,version,changed_at\r\n"
                            "27460a56-bb16-57e0-90af-507fac38efb8,varddygn,2026,36500.00,1,2026-11-24T07:00:00+00:00"
                            "\r\n"))
def volumes_list(args):
    """List the volumes recorded

    The volumes of the units within your org units, for the roles that read figures. `format=csv`: one line per
    volume.
    """
    items = patterns.list_volumes(_platform(), current_principal(), args.get("unit_id"), args.get("year"),
                                  args.get("measure"))
    if args.get("format") == "csv":
        return Response(volumes_csv(items), content_type=CSV_CONTENT_TYPE)
    return {"items": items}


def _path_volume(unit_id: str, measure: str, year: str) -> int:
    if not (year.isdigit() and len(year) == 4):
        raise InvalidVolume("Året ska vara fyra siffror, till exempel 2026.", "The year must be four digits, e.g. "
                            "2026.")
    return int(year)


@volumes_blp.route("/<unit_id>/<measure>/<year>", methods=["GET"])
@volumes_blp.raises(Forbidden, NotFound, InvalidVolume)
@volumes_blp.response(200, VolumeSchema, headers=openapi.ETAG)
def volume_get(unit_id, measure, year):
    """Read a volume

    One unit's volume of a measure and a year, with the ETag a change needs in If-Match.
    """
    volume = patterns.get_volume(_platform(), current_principal(), unit_id, measure,
                                 _path_volume(unit_id, measure, year))
    return volume, 200, {"ETag": etag(patterns.volume_etag_id(unit_id, measure, volume["year"]), volume["version"])}


@volumes_blp.route("/<unit_id>/<measure>/<year>", methods=["PUT"])
@volumes_blp.raises(Forbidden, NotFound, InvalidVolume)
@volumes_blp.checks_if_match
@volumes_blp.arguments(VolumeBodySchema)
@volumes_blp.response(200, VolumeSchema, headers=openapi.ETAG)
@volumes_blp.alt_response(201, schema=VolumeSchema, headers=openapi.ETAG,
                          description="The volume was recorded for the first time.")
def volume_put(data, unit_id, measure, year):
    """Record a volume

    The volume of a unit for a measure and a year, for an administrator or a kvalitetsutvecklare over the unit.
    The first recording needs no If-Match (201); a change needs the ETag read (If-Match), so two people never
    overwrite each other unseen.
    """
    volume, created = patterns.put_volume(_platform(), current_principal(), unit_id, measure,
                                          _path_volume(unit_id, measure, year), data["value"], check_if_match)
    tag = etag(patterns.volume_etag_id(unit_id, measure, volume["year"]), volume["version"])
    return volume, 201 if created else 200, {"ETag": tag}
