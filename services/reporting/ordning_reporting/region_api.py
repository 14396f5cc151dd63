"""HTTP: the region view, a municipality's consent to be shown in it, and a tenant's threshold for small counts."""
from __future__ import annotations

from flask import Response, current_app
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.problems import Forbidden

from . import region
from .api import CSV_CONTENT_TYPE, _csv
from .region_schemas import (ConsentInSchema, ConsentSchema, RegionArgsSchema, RegionFiguresSchema,
                             ThresholdInSchema, ThresholdSchema)

region_blp = Blueprint("region", __name__, url_prefix="/api/v1/region",
                       description="The region view: the figures of the municipalities a region hosts, side by "
                                   "side, aggregated only, small counts suppressed; and each municipality's "
                                   "consent to be shown in it.")
suppression_blp = Blueprint("suppression", __name__, url_prefix="/api/v1/suppression",
                            description="The tenant's threshold for small counts, shown as '< 5' wherever figures "
                                        "of several tenants or of small units are shown together.")
BLUEPRINTS = [region_blp, suppression_blp]


def _platform():
    return current_app.extensions["ordning"]


def region_csv(document: dict) -> str:
    tenants = [m["tenant"] for m in document["municipalities"]]
    rows = [["section", "figure", "row", "title_sv", *tenants]]
    for section in document["sections"]:
        for figure in section["figures"]:
            if figure["type"] == "value":
                rows.append([section["key"], figure["key"], "", figure["title_sv"],
                             *(figure["by_municipality"].get(t) for t in tenants)])
            else:
                for row in figure["rows"]:
                    rows.append([section["key"], figure["key"], row[figure["row_key"]],
                                 row.get("label_sv") or figure["title_sv"], *(row.get(t) for t in tenants)])
    return _csv(rows)


@region_blp.route("/figures", methods=["GET"])
@region_blp.arguments(RegionArgsSchema, location="query")
@region_blp.raises(Forbidden, region.NotARegion, region.InvalidYear)
@region_blp.response(200, RegionFiguresSchema)
@region_blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}, "example":
                                                          "section,figure,row,title_sv,2262,2281\r\n"
                                                          "deviations,total,,Anmälda ärenden,< 5,42\r\n"}}}})
def region_figures(args):
    """Read the figures of the region's municipalities

    For the region host role of a region (a tenant whose id is a länskod): the figures of each municipality of
    the län that agrees to be shown, side by side, for a calendar year (this year up to today): deviations by
    kind, origin and month, lex Sarah, lex Maria, complaints and feedback, actions. Aggregated only: no case, no
    unit. Every count under the threshold is '< 5' (zero too), and further counts are '..' where a small count
    could otherwise be worked out from the others. A municipality's own roles get 403.
    """
    document = region.region_figures(_platform(), current_principal(), args.get("year"))
    if args["format"] == "csv":
        return Response(region_csv(document), content_type=CSV_CONTENT_TYPE)
    return document


def _with_consent_etag(body: dict):
    return body, 200, {"ETag": etag(region.CONSENT_ETAG_ID, body["version"])}


@region_blp.route("/consent", methods=["GET"])
@region_blp.raises(Forbidden, region.NotAMunicipality)
@region_blp.response(200, ConsentSchema, headers=openapi.ETAG)
def consent_get():
    """Read the municipality's consent to be shown to its region

    Whether the municipality is shown in its region's view, who agreed and when, who withdrew it and when. For
    its administratör and the roles that read figures.
    """
    return _with_consent_etag(region.get_consent(_platform(), current_principal()))


@region_blp.route("/consent", methods=["PUT"])
@region_blp.raises(Forbidden, region.NotAMunicipality, region.NotYourRegion, region.StaleSetting)
@region_blp.checks_if_match
@region_blp.arguments(ConsentInSchema)
@region_blp.response(200, ConsentSchema, headers=openapi.ETAG)
def consent_put(data):
    """Agree to be shown to the region

    For the municipality's administratör, with If-Match: its figures are shown, aggregated and with small counts
    suppressed, in the view of its region (its län). Agreeing again after a withdrawal records the new agreement.
    """
    return _with_consent_etag(region.put_consent(_platform(), current_principal(), data, check_if_match))


@region_blp.route("/consent", methods=["DELETE"])
@region_blp.raises(Forbidden, region.NotAMunicipality, region.NoConsent, region.StaleSetting)
@region_blp.checks_if_match
@region_blp.response(200, ConsentSchema, headers=openapi.ETAG)
def consent_delete():
    """Withdraw the consent

    For the municipality's administratör, with If-Match: the municipality is no longer shown to its region; the
    record keeps who agreed and says who withdrew it and when.
    """
    return _with_consent_etag(region.withdraw_consent(_platform(), current_principal(), check_if_match))


def _with_threshold_etag(body: dict):
    return body, 200, {"ETag": etag(region.THRESHOLD_ETAG_ID, body["version"])}


@suppression_blp.route("", methods=["GET"])
@suppression_blp.raises(Forbidden)
@suppression_blp.response(200, ThresholdSchema, headers=openapi.ETAG)
def threshold_get():
    """Read the threshold for small counts

    The tenant's own, else the default 5.
    """
    return _with_threshold_etag(region.get_threshold(_platform(), current_principal()))


@suppression_blp.route("", methods=["PUT"])
@suppression_blp.raises(Forbidden, region.InvalidThreshold, region.StaleSetting)
@suppression_blp.checks_if_match
@suppression_blp.arguments(ThresholdInSchema)
@suppression_blp.response(200, ThresholdSchema, headers=openapi.ETAG)
def threshold_put(data):
    """Set the threshold for small counts

    For the tenant's administratör, with If-Match (2 to 100). The region view counts under the highest threshold
    of the region and the municipalities it shows.
    """
    return _with_threshold_etag(region.put_threshold(_platform(), current_principal(), data, check_if_match))
