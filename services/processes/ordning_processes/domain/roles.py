"""The roles of systematic quality work and the PDCA phases their duties fall in (Öckerö's responsibility
tables, Tyresö 3): the vocabulary the role assignments, the duties, the process map and the documents share.

The codes are the token's role names (ordning_shared.auth.ROLES) where both exist, so a role held here and a
role in a token mean the same thing. A unit role is held at an org unit; a process role at a process.
"""
from __future__ import annotations

from enum import Enum

__all__ = ["RoleKind", "PdcaPhase", "ROLE_LABELS_SV", "PHASE_LABELS_SV", "UNIT_ROLES", "PROCESS_ROLES"]


class RoleKind(str, Enum):
    NAMND = "namnd"                                        # the nämnd, as the one who governs
    FORVALTNINGSCHEF = "forvaltningschef"
    VERKSAMHETSCHEF = "verksamhetschef"
    ENHETSCHEF = "enhetschef"
    MAS = "mas"                                            # medicinskt ansvarig sjuksköterska
    MAR = "mar"                                            # medicinskt ansvarig för rehabilitering
    KVALITETSUTVECKLARE = "kvalitetsutvecklare"
    PROCESSAGARE = "processagare"
    PROCESSLEDARE = "processledare"
    STYRGRUPP = "styrgrupp"
    PROCESSUTVECKLINGSGRUPP = "processutvecklingsgrupp"
    PROCESSGRUPP = "processgrupp"
    RESURSAGARE = "resursagare"


class PdcaPhase(str, Enum):
    PLANERA = "planera"
    GENOMFORA = "genomfora"
    FOLJA_UPP = "folja_upp"
    FORBATTRA = "forbattra"


ROLE_LABELS_SV = {
    RoleKind.NAMND: "Nämnd", RoleKind.FORVALTNINGSCHEF: "Förvaltningschef",
    RoleKind.VERKSAMHETSCHEF: "Verksamhetschef", RoleKind.ENHETSCHEF: "Enhetschef",
    RoleKind.MAS: "Medicinskt ansvarig sjuksköterska (MAS)",
    RoleKind.MAR: "Medicinskt ansvarig för rehabilitering (MAR)",
    RoleKind.KVALITETSUTVECKLARE: "Kvalitetsutvecklare", RoleKind.PROCESSAGARE: "Processägare",
    RoleKind.PROCESSLEDARE: "Processledare", RoleKind.STYRGRUPP: "Styrgrupp",
    RoleKind.PROCESSUTVECKLINGSGRUPP: "Processutvecklingsgrupp", RoleKind.PROCESSGRUPP: "Processgrupp",
    RoleKind.RESURSAGARE: "Resursägare",
}
PHASE_LABELS_SV = {PdcaPhase.PLANERA: "Planera", PdcaPhase.GENOMFORA: "Genomföra",
                   PdcaPhase.FOLJA_UPP: "Följa upp", PdcaPhase.FORBATTRA: "Förbättra"}

# Process roles belong to a process (its owner, its leader, its groups); the others to an org unit.
PROCESS_ROLES = frozenset({RoleKind.PROCESSAGARE, RoleKind.PROCESSLEDARE, RoleKind.STYRGRUPP,
                           RoleKind.PROCESSUTVECKLINGSGRUPP, RoleKind.PROCESSGRUPP, RoleKind.RESURSAGARE})
UNIT_ROLES = frozenset(RoleKind) - PROCESS_ROLES
