"""HTTP of the tenant's code lists (code_lists.py): read them all, read one, and replace one whole (If-Match).
Thin, as api.py."""
from __future__ import annotations

from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag

from . import code_list_service as cs
from . import code_lists as cls
from . import service
from .api import _platform
from .schemas import CodeListSchema

code_lists_blp = Blueprint("code_lists", __name__, url_prefix="/api/v1/code-lists", path_parameters={
    "list_name": {"description": "The list's stable name: " + ", ".join(cls.LIST_NAMES) + ".",
                  "example": "informing_methods"}},
    description="The tenant's code lists: the codes a case's fields take (a reclassification's reason, informing, "
                "the lex decision's outcome, IVO's decision, the händelseanalys, a provider's follow-up, a "
                "complainant). Defaults for every tenant, relabelled, retired and added to by the tenant; codes never "
                "change and are never removed.")

BLUEPRINTS = [code_lists_blp]


def _with_list_etag(body: dict):
    return body, 200, {"ETag": etag(body["name"], body["version"])}


@code_lists_blp.route("", methods=["GET"])
@code_lists_blp.raises(service.Forbidden)
@code_lists_blp.response(200, CodeListSchema(many=True))
def code_lists_list():
    """List the code lists

    Every list of the tenant, for any staff member, with each entry's label, whether it is active and its flags
    (needs_note, serious): what a form offers (the active entries) and how a record's code reads (any entry).
    """
    return cs.list_code_lists(_platform(), current_principal())


@code_lists_blp.route("/<list_name>", methods=["GET"], endpoint="code_lists_get")
@code_lists_blp.raises(service.Forbidden, cls.UnknownCodeList)
@code_lists_blp.response(200, CodeListSchema, headers=openapi.ETAG)
def code_lists_get(list_name):
    """Read a code list

    The ETag is what a change needs in If-Match (version 0: the defaults, unchanged).
    """
    return _with_list_etag(cs.get_code_list(_platform(), current_principal(), list_name))


@code_lists_blp.route("/<list_name>", methods=["PUT"])
@code_lists_blp.raises(service.Forbidden, cls.UnknownCodeList, cls.InvalidCodeList)
@code_lists_blp.checks_if_match
@code_lists_blp.arguments(CodeListSchema)
@code_lists_blp.response(200, CodeListSchema, headers=openapi.ETAG)
def code_lists_put(data, list_name):
    """Replace a code list

    For an administrator or kvalitetsutvecklare, with If-Match: the whole list in its order. A label may change
    and an entry may be retired (active false) or reactivated; a new code may be added. Every code the list had
    stays (codes are never removed: cases carry them); at least one entry is active, and a lex outcome list keeps
    an active serious and an active not-serious outcome. Each refusal is 422 invalid_code_list naming the entry.
    """
    return _with_list_etag(cs.put_code_list(_platform(), current_principal(), list_name, data, check_if_match))
