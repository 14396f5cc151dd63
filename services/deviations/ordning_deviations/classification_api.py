"""HTTP of a case's classification: the tenant's händelsetyper and places, the consequence scale of its risk matrix,
and a case's classification (händelsetyp, consequence score, place). Thin, as api.py."""
from __future__ import annotations

from flask import url_for
from marshmallow import RAISE
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once

from . import classification as cl
from . import domain as d
from . import classification_service as cs
from . import service
from .api import _case, _platform, _with_etag, deviations_blp
from .schemas import (ClassificationSchema, ConsequenceScaleSchema, DeviationSchema, EventTypeListArgsSchema,
                      EventTypeSchema, EventTypeUpdateSchema, PlaceListArgsSchema, PlaceSchema, PlaceUpdateSchema)

event_types_blp = Blueprint("event_types", __name__, url_prefix="/api/v1/event-types", path_parameters={
    "code": {"description": "The händelsetyp's code.", "example": "fall"}},
    description="The tenant's händelsetyper (event types) for classifying cases: Socialstyrelsen's and SKR's common "
                "terms by default, renamed, retired and added to by the tenant; codes never change.")
places_blp = Blueprint("places", __name__, url_prefix="/api/v1/places", path_parameters={
    "place_id": {"description": "The place's id (a UUID).", "example": "5b2d8c1a-4e6f-4a7b-9c0d-1e2f3a4b5c6d"}},
    description="The places (platser) of the tenant's units, e.g. Avdelning 2 or Matsalen, that a case may name.")
scale_blp = Blueprint("consequence_scale", __name__, url_prefix="/api/v1/consequence-scale",
                      description="The consequence scale of the tenant's risk matrix (the risks service's), on which "
                                  "a case's consequence is scored.")

BLUEPRINTS = [event_types_blp, places_blp, scale_blp]


@deviations_blp.route("/<deviation_id>/classification", methods=["PATCH"])
@deviations_blp.raises(service.Forbidden, cl.UnknownEventType, cl.UnknownPlace, cl.InvalidConsequenceScore,
                        cs.StaleMatrixVersion, d.CaseClosed)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ClassificationSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def classify(data, deviation_id):
    """Classify a case

    For the case's handlers, with If-Match, while the case is open: its händelsetyp (a code of the tenant's list,
    not retired), its consequence score (a step of the consequence scale of the tenant's current risk matrix, with
    the matrix version it was chosen on) and its place (a place of the case's unit, not retired). A field left out
    stays; null removes it. Each change is an event with codes and numbers only.
    """
    cs.classify(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@event_types_blp.route("", methods=["GET"])
@event_types_blp.arguments(EventTypeListArgsSchema, location="query", unknown=RAISE)
@event_types_blp.raises(service.Forbidden)
@event_types_blp.response(200, EventTypeSchema(many=True))
def event_types_list(args):
    """List händelsetyper

    The tenant's händelsetyper for any staff member: the common terms first, as the tenant named them, then the
    tenant's own by label; retired ones only with include_retired.
    """
    return cs.list_event_types(_platform(), current_principal(), args["include_retired"])


def _with_code_etag(body: dict, status: int = 200, **headers):
    return body, status, {"ETag": etag(body["code"], body["version"]), **headers}


@event_types_blp.route("", methods=["POST"])
@event_types_blp.raises(service.Forbidden, cs.EventTypeExists, cl.InvalidEventType)
@event_types_blp.idempotent
@event_types_blp.arguments(EventTypeSchema)
@event_types_blp.response(201, EventTypeSchema, headers=openapi.CREATED)
def event_types_create(data):
    """Add a händelsetyp

    For an administrator: the tenant's own type beside the common terms. Its code is made from the label when not
    given, and never changes.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="event_type",
        create=lambda claim: cs.add_event_type(platform, principal, data, claim),
        load=lambda code: cs.get_event_type(platform, principal, code))
    return _with_code_etag(body, status, Location=url_for("event_types.event_types_get", code=body["code"]))


@event_types_blp.route("/<code>", methods=["GET"], endpoint="event_types_get")
@event_types_blp.raises(service.Forbidden)
@event_types_blp.response(200, EventTypeSchema, headers=openapi.ETAG)
def event_types_get(code):
    """Read a händelsetyp

    The ETag is what a change needs in If-Match (version 0: a common term the tenant has not changed).
    """
    return _with_code_etag(cs.get_event_type(_platform(), current_principal(), code))


@event_types_blp.route("/<code>", methods=["PATCH"])
@event_types_blp.raises(service.Forbidden, cs.EventTypeExists)
@event_types_blp.checks_if_match
@event_types_blp.arguments(EventTypeUpdateSchema)
@event_types_blp.response(200, EventTypeSchema, headers=openapi.ETAG)
def event_types_update(data, code):
    """Rename, retire or restore a händelsetyp

    For an administrator, with If-Match. A retired type is no longer offered for new cases; cases keep it.
    """
    return _with_code_etag(cs.update_event_type(_platform(), current_principal(), code, data, check_if_match))


@places_blp.route("", methods=["GET"])
@places_blp.arguments(PlaceListArgsSchema, location="query", unknown=RAISE)
@places_blp.raises(service.Forbidden)
@places_blp.response(200, PlaceSchema(many=True))
def places_list(args):
    """List places

    The places of a unit (unit_id), or of every unit, by name, for any staff member; retired ones only with
    include_retired.
    """
    return cs.list_places(_platform(), current_principal(), args.get("unit_id"), args["include_retired"])


@places_blp.route("", methods=["POST"])
@places_blp.raises(service.Forbidden, cs.PlaceExists, cs.UnknownPlaceUnit)
@places_blp.idempotent
@places_blp.arguments(PlaceSchema)
@places_blp.response(201, PlaceSchema, headers=openapi.CREATED)
def places_create(data):
    """Add a place to a unit

    For an administrator: a place of an open unit, its name unique at the unit.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="place",
        create=lambda claim: cs.add_place(platform, principal, data, claim),
        load=lambda place_id: cs.get_place(platform, principal, place_id))
    return _with_etag(body, status, Location=url_for("places.places_get", place_id=body["id"]))


@places_blp.route("/<place_id>", methods=["GET"], endpoint="places_get")
@places_blp.raises(service.Forbidden)
@places_blp.response(200, PlaceSchema, headers=openapi.ETAG)
def places_get(place_id):
    """Read a place

    The ETag is what a change needs in If-Match.
    """
    return _with_etag(cs.get_place(_platform(), current_principal(), place_id))


@places_blp.route("/<place_id>", methods=["PATCH"])
@places_blp.raises(service.Forbidden, cs.PlaceExists)
@places_blp.checks_if_match
@places_blp.arguments(PlaceUpdateSchema)
@places_blp.response(200, PlaceSchema, headers=openapi.ETAG)
def places_update(data, place_id):
    """Rename, retire or restore a place

    For an administrator, with If-Match. A retired place is no longer offered for new cases; cases keep it.
    """
    return _with_etag(cs.update_place(_platform(), current_principal(), place_id, data, check_if_match))


@scale_blp.route("", methods=["GET"])
@scale_blp.raises(service.Forbidden)
@scale_blp.response(200, ConsequenceScaleSchema)
def consequence_scale():
    """Read the consequence scale

    The consequence steps of the tenant's current risk matrix (the newest version the risks service has announced;
    the default matrix's until one has), and its version, for scoring a case's consequence.
    """
    return cs.get_consequence_scale(_platform(), current_principal())
