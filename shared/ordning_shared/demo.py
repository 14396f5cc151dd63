"""The demo municipality of the embedded stack: Tyresö (0138), with Öckerö (1407) beside it, and the region of
Tyresö's län (01, Stockholms län) that hosts its municipalities' figures side by side.

Unit ids are fixed (uuid5 of the unit's path) so that demo users can name their units.
"""
from __future__ import annotations

import uuid

DEMO_NAMESPACE = uuid.UUID("6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10")


def unit_id(tenant: str, name: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{tenant}/{name}"))


# The demo's municipalities, as an installation's tenant configuration names them (the chart's `tenants`).
TENANTS = {"0138": "Tyresö kommun", "1407": "Öckerö kommun"}
REGION = "01"  # Stockholms län: Tyresö's region (a kommunkod's first two digits)

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

# The process templates (services/processes) the demo's Socialförvaltningen copies and establishes.
PROCESS_TEMPLATES = ("socialtjanst_ni_2021_2", "systematiskt_kvalitetsarbete")
PROCESSES_ESTABLISHED_ON, PROCESSES_DECISION = "2026-01-20", "SN § 4/2026"

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
    # A region is a tenant of its own (a länskod); its host reads the region view, no unit of any municipality.
    "regina": (REGION, "Regina Region, Stockholms län", ["region_host"], []),
}

# The municipalities that agree to be shown, aggregated and with small counts suppressed, in their region's view
# (tenant data: their administrator agrees in the web's Regionen page). Öckerö lies in another län (14).
REGION_CONSENTS = ["0138"]

# Who holds which role where (issue 11): (user name, role, org unit name); the tenant is the user's.
ROLE_ASSIGNMENTS = [
    ("erik", "enhetschef", "Hemtjänst Norr"),
    ("sara", "enhetschef", "Särskilt boende Solgården"),
    ("frida", "forvaltningschef", "Socialförvaltningen"),
    ("maria", "mas", "Socialförvaltningen"),
    ("karin", "kvalitetsutvecklare", "Socialförvaltningen"),
    ("olle", "enhetschef", "Hemtjänsten Öckerö"),
]


# The demo users' e-mail addresses (their tokens' email claim), so that the notify service's mail works in
# `make run`: the embedded default writes each mail to a folder (var/notify/mail) and sends nothing; .example is a
# reserved domain (RFC 2606) that no mail could reach anyway.
MAIL_DOMAIN = "demo.ordning.example"


def claims_for(user: str) -> dict:
    tenant, name, roles, units = USERS[user]
    return {"subject": f"demo-{user}", "tenant": tenant, "name": name, "roles": roles,
            "org_units": [unit_id(tenant, unit) for unit in units], "email": f"{user}@{MAIL_DOMAIN}"}


def demo_token(issuer, user: str) -> str:
    """A token for the demo user from the embedded default's issuer (an auth.LocalIssuer), with every claim."""
    claims = claims_for(user)
    return issuer.issue(claims["subject"], claims["tenant"], claims["roles"], claims["org_units"], claims["name"],
                        email=claims["email"])


# --- governing documents (proc-docs) ------------------------------------------------------------------------
# Two established routines of the demo municipality: drafted by the kvalitetsutvecklare, established by the
# förvaltningschef (not the author: the tenant forbids approving one's own draft). Owned by the förvaltning, so
# every employee of its units reads them. (owner unit, title, Markdown text, decision reference)
DOCUMENTS = [
    ("0138", "Socialförvaltningen", "Rutin för avvikelsehantering", """\
## Syfte

Rutinen beskriver hur medarbetare i socialförvaltningen rapporterar, utreder och följer upp avvikelser, så att
vi lär av det som går fel och förhindrar att det händer igen (SOSFS 2011:9, 5 kap.).

## Vem gäller rutinen för?

Alla medarbetare, vikarier och praktikanter inom socialförvaltningens verksamheter.

## Så här gör du

1. **Åtgärda det akuta.** Se till att brukaren är trygg och får den vård eller hjälp som behövs.
2. **Rapportera samma dag** i Ordning under *Avvikelser*. Beskriv vad som hände, inte vem som gjorde fel.
3. **Informera din chef** muntligt om händelsen är allvarlig.

## Chefens ansvar

- Ta emot avvikelsen inom tre arbetsdagar.
- Utred orsaken tillsammans med berörda medarbetare och besluta om åtgärder.
- Återkoppla till den som rapporterade och följ upp att åtgärderna gav effekt.

## Uppföljning

Kvalitetsutvecklaren sammanställer avvikelserna varje kvartal till ledningsgruppen och årligen i
kvalitetsberättelsen.
""", "SN 2026/14 § 23"),
    ("0138", "Socialförvaltningen", "Rutin för lex Sarah", """\
## Syfte

Rutinen beskriver hur missförhållanden och påtagliga risker för missförhållanden rapporteras, utreds och vid
behov anmäls till IVO enligt 14 kap. SoL och 24 b–g §§ LSS (lex Sarah).

## Rapporteringsskyldighet

Alla som arbetar i socialtjänsten är skyldiga att **genast** rapportera ett missförhållande eller en påtaglig
risk för ett missförhållande. Rapporten görs i Ordning som *lex Sarah* och till närmaste chef.

## Utredning

1. Chefen åtgärdar det akuta och dokumenterar vad som gjorts.
2. Utredningen klarlägger vad som hänt, varför och vad som måste ändras.
3. Den som rapporterat och den enskilde (eller dennes företrädare) ges möjlighet att lämna synpunkter.

## Anmälan till IVO

Förvaltningschefen beslutar om missförhållandet är allvarligt. Ett allvarligt missförhållande anmäls till IVO
**senast två veckor** efter att det blev känt.

## Uppföljning

Åtgärderna följs upp av enhetschefen; lärdomarna tas upp på arbetsplatsträffen.
""", "SN 2026/14 § 24"),
]
DOCUMENT_AUTHOR, DOCUMENT_APPROVER = "karin", "frida"
