"""The kinds of notice the notify service gives, by code, with the Swedish label a person reads.

Shared so the notify service (which stores the code on each notice and names it in a mail's subject) and the web
(which lists the inbox and the settings per kind) say the same words. A notice's subject line is its kind's label
and the unit's name: no names of people, no free text.
"""
from __future__ import annotations

NOTICE_KINDS: dict[str, str] = {
    "case_reported": "Nytt ärende rapporterat",
    "lex_sarah_reported": "Ny lex Sarah-rapport",
    "lex_maria_reported": "Nytt lex Maria-ärende",
    "risk_escalated": "Risk eskalerad till er nivå",
    "action_assigned": "Du är ansvarig för en åtgärd",
    "receipt_overdue": "Ärendet är inte mottaget i tid",
    "investigation_overdue": "Utredningen är försenad",
    "ivo_report_overdue": "Anmälan till IVO är försenad",
    "action_overdue": "Åtgärden är försenad",
    "document_review_due": "Styrdokumentet ska ses över",
    "patient_safety_report_due": "Patientsäkerhetsberättelsen ska vara klar 1 mars",
    "deadline_escalated": "Försenat ärende eskalerat till dig",
    "webhook_paused": "Webhook pausad efter upprepade fel",
}


def label(kind: str) -> str:
    """The Swedish label of a kind; the code itself for a kind this version does not know (a newer notify's)."""
    return NOTICE_KINDS.get(kind, kind)


__all__ = ["NOTICE_KINDS", "label"]
