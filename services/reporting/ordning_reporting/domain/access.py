"""Who may see which figures: a role that follows up the quality work, over the unit asked for or above it."""
from __future__ import annotations

from ordning_shared.problems import Forbidden, NotFound

# The roles that read compilations of a scope (the seeds' "följa upp"): every level of management, the quality
# developer, MAS/MAR, the nämnd (read) and the administrator. Staff without one of them see their own cases in the
# deviations service, not figures.
FIGURE_ROLES = frozenset({"kvalitetsutvecklare", "enhetschef", "verksamhetschef", "forvaltningschef", "mas", "mar",
                          "namnd", "administrator"})


class NoFigureRole(Forbidden):
    code = "no_figure_role"


class UnknownScope(NotFound):
    code = "unknown_scope"


class MunicipalityNotInScope(Forbidden):
    code = "municipality_not_in_scope"


def require_figure_role(roles) -> None:
    if not FIGURE_ROLES & set(roles):
        needed = ", ".join(sorted(FIGURE_ROLES))
        raise NoFigureRole(f"Din roll ger inte tillgång till sammanställningar; det kräver en av rollerna: {needed}.",
                           f"Your roles do not give access to compilations; they need one of these roles: {needed}.")


def unknown_unit(unit_id: str) -> UnknownScope:
    return UnknownScope(f"Det finns ingen enhet med id {unit_id} bland dina enheter.",
                        f"There is no org unit with id {unit_id} among your units.")


def municipality_not_in_scope() -> MunicipalityNotInScope:
    return MunicipalityNotInScope(
        "Hela kommunens siffror kräver en roll på kommunens högsta nivå; ange en enhet (unit_id) bland dina enheter.",
        "The figures of the whole municipality need a role at its top level; give a unit (unit_id) among your units.")
