"""HTTP: patterns (trends, flags, in-house beside external providers) and the volumes a tenant records."""
from __future__ import annotations

from datetime import date

from flask import current_app
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.problems import Forbidden, NotFound, Unprocessable

from . import patterns
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


@patterns_blp.route("/trends", methods=["GET"])
@patterns_blp.arguments(TrendsArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound, Unprocessable)
@patterns_blp.response(200, TrendsSchema)
def trends(args):
    """Read the trends of a scope

    Per whole month of the period: cases reported of each kind and in all, actions created and of them done, each
    with the change from the month before and from the same month a year before. The same roles and scopes as
    the figures.
    """
    return patterns.trends(_platform(), current_principal(), args.get("unit_id"), args.get("date_from"),
                           args.get("date_to"))


@patterns_blp.route("/flags", methods=["GET"])
@patterns_blp.arguments(FlagsArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound)
@patterns_blp.response(200, FlagsSchema)
def flags(args):
    """Read the units and categories that stand out

    The units of the scope and the categories whose count of cases in the month stands out against their own
    previous 12 months, by the rule the answer states (`rule.text_sv`): at least 5 cases and above the mean plus
    two standard deviations.
    """
    month = date.fromisoformat(args["month"] + "-01") if args.get("month") else None
    return patterns.flags(_platform(), current_principal(), args.get("unit_id"), month, args.get("kind"))


@patterns_blp.route("/providers", methods=["GET"])
@patterns_blp.arguments(ProvidersArgsSchema, location="query")
@patterns_blp.raises(Forbidden, NotFound)
@patterns_blp.response(200, ProvidersSchema)
def providers(args):
    """Compare units in egen regi with external providers

    Cases reported in the year per unit (org kind `unit`) and per external provider (`external_provider`,
    utförare i privat regi), and per group; with `measure`, also per 1,000 of that volume where the municipality
    recorded one for the unit and year.
    """
    return patterns.providers(_platform(), current_principal(), args.get("unit_id"), args.get("year"),
                              args.get("measure"))


@volumes_blp.route("", methods=["GET"])
@volumes_blp.arguments(VolumesArgsSchema, location="query")
@volumes_blp.raises(Forbidden)
@volumes_blp.response(200, VolumeListSchema)
def volumes_list(args):
    """List the volumes recorded

    The volumes of the units within your org units, for the roles that read figures.
    """
    return {"items": patterns.list_volumes(_platform(), current_principal(), args.get("unit_id"), args.get("year"),
                                           args.get("measure"))}


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
