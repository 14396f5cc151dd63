"""Swedish words for the API's codes (DOMAIN.md)."""
from __future__ import annotations

ROLES = {
    "medarbetare": "Medarbetare",
    "enhetschef": "Enhetschef",
    "verksamhetschef": "Verksamhetschef",
    "forvaltningschef": "Förvaltningschef",
    "processagare": "Processägare",
    "processledare": "Processledare",
    "kvalitetsutvecklare": "Kvalitetsutvecklare",
    "mas": "Medicinskt ansvarig sjuksköterska (MAS)",
    "mar": "Medicinskt ansvarig för rehabilitering (MAR)",
    "namnd": "Nämnd",
    "administrator": "Administratör",
    "region_host": "Regionens driftansvarig",
    "dataskyddsombud": "Dataskyddsombud",
}

KINDS = {
    "avvikelse": "Avvikelse",
    "lex_sarah": "Lex Sarah",
    "lex_maria": "Lex Maria",
    "klagomal": "Klagomål",
    "synpunkt": "Synpunkt",
}


def role_label(role: str) -> str:
    return ROLES.get(role, role)


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)
