"""The demo municipality of the embedded stack: Tyresö (0138), with Öckerö (1407) beside it.

Unit ids are fixed (uuid5 of the unit's path) so that demo users can name their units.
"""
from __future__ import annotations

import uuid

DEMO_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10")


def unit_id(tenant: str, name: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{tenant}/{name}"))


# (tenant, name, kind, parent name or None), parents before children.
ORG_UNITS = [
    ("0138", "Socialnämnden", "board", None),
    ("0138", "Socialförvaltningen", "administration", "Socialnämnden"),
    ("0138", "Äldreomsorg", "division", "Socialförvaltningen"),
    ("0138", "Hemtjänst Norr", "unit", "Äldreomsorg"),
    ("0138", "Hemtjänst Syd", "unit", "Äldreomsorg"),
    ("0138", "Särskilt boende Solgården", "unit", "Äldreomsorg"),
    ("0138", "Individ- och familjeomsorg", "division", "Socialförvaltningen"),
    ("0138", "Försörjningsstöd", "unit", "Individ- och familjeomsorg"),
    ("0138", "Barn och unga", "unit", "Individ- och familjeomsorg"),
    ("0138", "Omsorgshuset AB (privat regi)", "external_provider", "Socialförvaltningen"),
    ("1407", "Socialnämnden", "board", None),
    ("1407", "Socialförvaltningen", "administration", "Socialnämnden"),
    ("1407", "Hemtjänsten Öckerö", "unit", "Socialförvaltningen"),
]

# user name -> (tenant, display name, roles, org unit names)
USERS = {
    "anna": ("0138", "Anna Andersson, undersköterska", ["medarbetare"], ["Hemtjänst Norr"]),
    "erik": ("0138", "Erik Eriksson, enhetschef", ["enhetschef"], ["Hemtjänst Norr"]),
    "sara": ("0138", "Sara Svensson, enhetschef", ["enhetschef"], ["Särskilt boende Solgården"]),
    "frida": ("0138", "Frida Fransson, förvaltningschef", ["forvaltningschef"], ["Socialförvaltningen"]),
    "maria": ("0138", "Maria Magnusson, MAS", ["mas"], ["Socialförvaltningen"]),
    "karin": ("0138", "Karin Karlsson, kvalitetsutvecklare", ["kvalitetsutvecklare"], ["Socialförvaltningen"]),
    "admin": ("0138", "Tyresö administratör", ["administrator"], ["Socialnämnden"]),
    "dora": ("0138", "Dora Dahl, dataskyddsombud", ["dataskyddsombud"], ["Socialnämnden"]),
    "olle": ("1407", "Olle Olsson, enhetschef", ["enhetschef", "administrator"], ["Socialförvaltningen"]),
}


def claims_for(user: str) -> dict:
    tenant, name, roles, units = USERS[user]
    return {"subject": f"demo-{user}", "tenant": tenant, "name": name, "roles": roles,
            "org_units": [unit_id(tenant, unit) for unit in units]}
