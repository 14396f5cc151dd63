"""The process templates a tenant starts from, as data: Socialstyrelsen's process model for social services
(Nationell informationsstruktur 2021:2) and the support process for systematic quality work (SOSFS 2011:9's
plan-do-check-act). Copying one makes the tenant's own draft process (service.copy_template).
"""
from __future__ import annotations

__all__ = ["PROCESS_TEMPLATES"]

_SOC = "socialtjanst_ni_2021_2"
_SKA = "systematiskt_kvalitetsarbete"


def _step(name, description, roles, inputs, outputs, samverkan=()):
    return {"name": name, "description": description, "roles": list(roles), "inputs": list(inputs),
            "outputs": list(outputs), "samverkan": [{"actor": a, "note": n} for a, n in samverkan]}


PROCESS_TEMPLATES: dict[str, dict] = {
    _SOC: {
        "code": _SOC, "kind": "huvudprocess", "name": "Handläggning och genomförande inom socialtjänsten",
        "source": "Socialstyrelsen, Nationell informationsstruktur (NI) 2021:2",
        "purpose": "Att den enskilde får rätt insats, beslutad och genomförd med god kvalitet och följd upp.",
        "steps": [
            _step("Aktualisera", "En ansökan, anmälan eller annan information tas emot och bedöms.",
                  ["enhetschef"], ["Ansökan", "Anmälan", "Övrig information"], ["Aktualisering", "Förhandsbedömning"],
                  [("region", "Vid samordnad individuell plan (SIP)")]),
            _step("Utreda", "Behov, resurser och förutsättningar utreds tillsammans med den enskilde.",
                  ["enhetschef"], ["Aktualisering"], ["Utredning", "Bedömning"],
                  [("other_administration", "Vid behov av uppgifter från andra nämnder")]),
            _step("Besluta", "Beslut fattas enligt delegationsordningen.", ["enhetschef", "namnd"],
                  ["Utredning", "Bedömning"], ["Beslut"]),
            _step("Utforma uppdrag", "Uppdraget till utföraren formuleras utifrån beslutet.", ["enhetschef"],
                  ["Beslut"], ["Uppdrag till utförare"], [("external_provider", "När insatsen utförs i privat regi")]),
            _step("Genomföra uppdrag", "Insatsen genomförs enligt genomförandeplanen.", ["enhetschef"],
                  ["Uppdrag till utförare"], ["Genomförandeplan", "Dokumentation av genomförande"],
                  [("external_provider", "Utförare i privat regi"), ("region", "Hälso- och sjukvård")]),
            _step("Följa upp", "Insatsen och dess resultat följs upp.", ["enhetschef", "kvalitetsutvecklare"],
                  ["Genomförandeplan", "Dokumentation av genomförande"], ["Uppföljning", "Underlag för nytt beslut"]),
        ],
    },
    _SKA: {
        "code": _SKA, "kind": "stodprocess", "name": "Systematiskt kvalitetsarbete",
        "source": "SOSFS 2011:9, ledningssystem för systematiskt kvalitetsarbete",
        "purpose": "Att verksamheten planeras, leds, följs upp och förbättras systematiskt.",
        "steps": [
            _step("Planera", "Mål, processer, rutiner och riskanalyser planeras för perioden.",
                  ["forvaltningschef", "kvalitetsutvecklare", "processagare"],
                  ["Nämndens mål", "Föregående års uppföljning"], ["Verksamhetsplan", "Riskanalyser"]),
            _step("Genomföra", "Verksamheten bedrivs enligt processer och rutiner; avvikelser rapporteras.",
                  ["enhetschef", "processledare"], ["Verksamhetsplan", "Rutiner"],
                  ["Avvikelser", "Klagomål och synpunkter"]),
            _step("Följa upp", "Mål, avvikelser, klagomål och egenkontroller sammanställs och analyseras.",
                  ["kvalitetsutvecklare", "verksamhetschef"], ["Avvikelser", "Egenkontroller", "Mätningar"],
                  ["Patientsäkerhetsberättelse", "Kvalitetsberättelse"]),
            _step("Förbättra", "Förbättringsåtgärder beslutas, genomförs och utvärderas.",
                  ["processagare", "forvaltningschef"], ["Kvalitetsberättelse"], ["Förbättringsåtgärder"],
                  [("region", "Gemensamma förbättringar i vårdkedjan")]),
        ],
    },
}
