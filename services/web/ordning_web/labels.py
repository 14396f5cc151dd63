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


# The event catalogue's types (docs/asyncapi.yaml) in Swedish, by what they are about, for the pages that choose
# among them (Regler för notiser). services/web/tests/test_notice_rules.py keeps them equal to the catalogue.
EVENT_GROUPS = {
    "deviation": "Ärenden",
    "action": "Åtgärder",
    "risk": "Risker",
    "document": "Styrdokument",
    "process": "Processer",
    "goal": "Kvalitetsmål",
    "report": "Årsberättelser",
    "working_calendar": "Arbetskalender",
    "role": "Roller",
    "org_unit": "Organisation",
}

EVENTS = {
    "se.ordning.deviation.reported.v1": "Ärende rapporterat",
    "se.ordning.deviation.received.v1": "Ärende mottaget",
    "se.ordning.deviation.investigation_started.v1": "Utredning påbörjad",
    "se.ordning.deviation.investigation_completed.v1": "Utredning klar",
    "se.ordning.deviation.seriousness_decided.v1": "Beslut om allvarlighet (lex Sarah, lex Maria)",
    "se.ordning.deviation.ivo_reported.v1": "Anmält till IVO",
    "se.ordning.deviation.closed.v1": "Ärende avslutat",
    "se.ordning.deviation.rejected.v1": "Ärende avvisat",
    "se.ordning.deviation.reopened.v1": "Ärende öppnat igen",
    "se.ordning.deviation.unit_changed.v1": "Ärende flyttat till en annan enhet",
    "se.ordning.deviation.category_changed.v1": "Ärendets kategori ändrad",
    "se.ordning.deviation.process_step_changed.v1": "Ärendets processteg ändrat",
    "se.ordning.deviation.pseudonymised.v1": "Ärende gallrat",
    "se.ordning.deviation.flagged_possible_elsewhere.v1": "Markerat att det kan hända på fler enheter",
    "se.ordning.deviation.cleared_possible_elsewhere.v1": "Markeringen att det kan hända på fler enheter borttagen",
    "se.ordning.deviation.event_type_changed.v1": "Ärendets händelsetyp ändrad",
    "se.ordning.deviation.consequence_scored.v1": "Ärendets konsekvens bedömd",
    "se.ordning.deviation.place_changed.v1": "Ärendets plats ändrad",
    "se.ordning.deviation.ivo_supplement_requested.v1": "IVO begärde komplettering",
    "se.ordning.deviation.ivo_supplement_answered.v1": "Komplettering skickad till IVO",
    "se.ordning.deviation.ivo_decision_recorded.v1": "IVO:s beslut registrerat",
    "se.ordning.deviation.event_analysis_completed.v1": "Händelseanalys slutförd",
    "se.ordning.deviation.provider_ivo_reported.v1": "Utföraren anmälde till IVO",
    "se.ordning.deviation.provider_followed_up.v1": "Utförarens anmälan uppföljd",
    "se.ordning.deviation.complainant_recorded.v1": "Klagande registrerad",
    "se.ordning.deviation.complaint_answered.v1": "Klagomål besvarat",
    "se.ordning.deviation.reporter_feedback_written.v1": "Återkoppling till den som rapporterade",
    "se.ordning.deviation.investigator_assigned.v1": "Ärendets utredare utsedd eller ändrad",
    "se.ordning.deviation.involved_unit_changed.v1": "Ärendets berörda enhet ändrad",
    "se.ordning.deviation.reclassified.v1": "Ärende klassat om (t.ex. till lex Sarah eller lex Maria)",
    "se.ordning.deviation.informing_recorded.v1": "Den enskilde informerad (lex Sarah, lex Maria)",
    "se.ordning.action.created.v1": "Åtgärd skapad",
    "se.ordning.action.updated.v1": "Åtgärd ändrad",
    "se.ordning.action.assigned.v1": "Åtgärd fick en ny ansvarig",
    "se.ordning.action.rescheduled.v1": "Åtgärd fick ett nytt slutdatum",
    "se.ordning.action.started.v1": "Åtgärd påbörjad",
    "se.ordning.action.completed.v1": "Åtgärd klar",
    "se.ordning.action.cancelled.v1": "Åtgärd struken",
    "se.ordning.action.reopened.v1": "Åtgärd öppnad igen",
    "se.ordning.risk.analysis_started.v1": "Riskanalys påbörjad",
    "se.ordning.risk.analysis_completed.v1": "Riskanalys klar",
    "se.ordning.risk.analysis_reopened.v1": "Riskanalys öppnad igen",
    "se.ordning.risk.analysis_followed_up.v1": "Riskanalys uppföljd",
    "se.ordning.risk.risk_identified.v1": "Risk tillagd i en analys",
    "se.ordning.risk.risk_scored.v1": "Risk bedömd",
    "se.ordning.risk.risk_escalated.v1": "Risk eskalerad",
    "se.ordning.risk.escalation_accepted.v1": "Eskalerad risk mottagen",
    "se.ordning.risk.escalation_returned.v1": "Eskalerad risk skickad tillbaka",
    "se.ordning.risk.matrix_changed.v1": "Riskmatrisen ändrad",
    "se.ordning.risk.proposal_created.v1": "Riskförslag från ett ärende",
    "se.ordning.risk.proposal_accepted.v1": "Riskförslag godtaget",
    "se.ordning.risk.proposal_dismissed.v1": "Riskförslag avfärdat",
    "se.ordning.risk.proposal_withdrawn.v1": "Riskförslag återkallat",
    "se.ordning.risk.proposal_reopened.v1": "Riskförslag aktuellt igen",
    "se.ordning.document.version_established.v1": "Styrdokument fastställt",
    "se.ordning.document.version_superseded.v1": "Styrdokument ersatt av en ny version",
    "se.ordning.document.review_due.v1": "Styrdokument ska ses över",
    "se.ordning.process.established.v1": "Process fastställd",
    "se.ordning.process.revised.v1": "Ny version av en process fastställd",
    "se.ordning.goal.measurement_recorded.v1": "Mätvärde för ett kvalitetsmål registrerat",
    "se.ordning.report.finished.v1": "Årsberättelse färdig",
    "se.ordning.working_calendar.changed.v1": "Arbetskalendern ändrad",
    "se.ordning.role.assigned.v1": "Roll tilldelad",
    "se.ordning.role.ended.v1": "Roll avslutad",
    "se.ordning.org_unit.created.v1": "Enhet skapad",
    "se.ordning.org_unit.renamed.v1": "Enhet fick ett nytt namn",
    "se.ordning.org_unit.moved.v1": "Enhet flyttad i organisationen",
    "se.ordning.org_unit.closed.v1": "Enhet stängd",
    "se.ordning.org_unit.external_provider_changed.v1": "Enhet markerad som utförare i privat regi (eller inte)",
}


def event_label(event_type: str) -> str:
    return EVENTS.get(event_type, event_type)


def events_by_group() -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(event type, label), ...]) in EVENT_GROUPS' order, for a select's optgroups."""
    groups: dict[str, list] = {aggregate: [] for aggregate in EVENT_GROUPS}
    for event_type, text in EVENTS.items():
        groups.setdefault(event_type.split(".")[2], []).append((event_type, text))
    return [(EVENT_GROUPS.get(aggregate, aggregate), items) for aggregate, items in groups.items() if items]
