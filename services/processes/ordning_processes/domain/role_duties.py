"""Each role's duties per PDCA phase: tenant data, seeded from Öckerö's responsibility tables.

Öckerö kommun's "Kvalitetsledningssystem för Öckerö kommun – riktlinje för systematiskt kvalitetsarbete"
(../shared/seeds) has one table of who does what per phase (sections 2.x, 3, 4.3 and 5.3). `ockero_duties()` is
that text, tidied (the OCR's lost å, ä and ö restored, one duty per line). Where the tables name a role by
another word, it is mapped to ours:
- "Verksamhetschef (EC där VC saknas)" is verksamhetschef; "Verksamhetsutvecklare" (planera, genomföra,
  följa upp) and "Kvalitetsutvecklare" (förbättra) are both kvalitetsutvecklare;
- "Processamordnare" (förbättra) is processledare (the planera table's processledare, same duties);
- "MAS/MAR" is both mas and mar;
- resursägare has an empty row in the tables; its duties are taken from the guideline's list of roles (2);
- "Ekonom" has no duties in the tables and is not a role here.
Medarbetare is not assigned (everyone is one), but has duties in every phase, so it is a duty role too.
"""
from __future__ import annotations

from .role_assignments import RoleAssignmentViolation
from .roles import ROLE_LABELS_SV, PdcaPhase, RoleKind

__all__ = ["MEDARBETARE", "DUTY_ROLES", "DUTY_ROLE_LABELS_SV", "DUTY_MAX_LENGTH", "DUTIES_MAX_COUNT",
           "parse_duty_role", "parse_phase", "ockero_duties", "UnknownDutyRole", "UnknownPhase", "InvalidDuties",
           "check_duties"]

MEDARBETARE = "medarbetare"
DUTY_ROLES: tuple[str, ...] = tuple(role.value for role in RoleKind) + (MEDARBETARE,)
DUTY_ROLE_LABELS_SV = {**{role.value: label for role, label in ROLE_LABELS_SV.items()}, MEDARBETARE: "Medarbetare"}
DUTY_MAX_LENGTH = 500
DUTIES_MAX_COUNT = 40


class UnknownDutyRole(RoleAssignmentViolation):
    code = "unknown_role"


class UnknownPhase(RoleAssignmentViolation):
    code = "unknown_phase"


class InvalidDuties(RoleAssignmentViolation):
    code = "invalid_duties"


def parse_duty_role(role: str) -> str:
    if role not in DUTY_ROLES:
        allowed = ", ".join(DUTY_ROLES)
        raise UnknownDutyRole(f"Rollen {role!r} är okänd; kända roller är {allowed}.",
                              f"The role {role!r} is unknown; known roles are {allowed}.")
    return role


def parse_phase(phase: str) -> PdcaPhase:
    try:
        return PdcaPhase(phase)
    except ValueError:
        allowed = ", ".join(p.value for p in PdcaPhase)
        raise UnknownPhase(f"Fasen {phase!r} är okänd; faserna är {allowed}.",
                           f"The phase {phase!r} is unknown; the phases are {allowed}.") from None


def check_duties(duties: list[str]) -> list[str]:
    """Trimmed duties, none blank or repeated, at most DUTIES_MAX_COUNT."""
    cleaned = [duty.strip() for duty in duties]
    if len(cleaned) > DUTIES_MAX_COUNT:
        raise InvalidDuties(f"En roll kan ha högst {DUTIES_MAX_COUNT} uppgifter per fas.",
                            f"A role may have at most {DUTIES_MAX_COUNT} duties per phase.")
    if any(not duty for duty in cleaned):
        raise InvalidDuties("En uppgift får inte vara tom.", "A duty must not be blank.")
    if len(set(cleaned)) != len(cleaned):
        raise InvalidDuties("Samma uppgift får inte stå två gånger.", "The same duty is listed twice.")
    return cleaned


_NAMND = ["Ansvarar för att det finns ett ledningssystem för verksamheten och att det används systematiskt och "
          "fortlöpande för att utveckla och säkra verksamhetens kvalitet."]
_MAS_MAR = {
    PdcaPhase.PLANERA: [
        "Sammanställer årligen det patientsäkerhetsarbete som utförts och rapporterar till förvaltningsledning "
        "och nämnd.",
        "Stöder processamordnare vid utveckling och kvalitetssäkring av processer relaterade till hälso- och "
        "sjukvård.",
        "Stöder enhetschefer vid implementering av processer relaterade till hälso- och sjukvård.",
        "Stöder vid kompetensutveckling inom kvalitetsutveckling relaterad till hälso- och sjukvård.",
        "Utvärderar processer relaterade till hälso- och sjukvård.",
        "Stöder vid riskanalyser relaterade till hälso- och sjukvård.",
    ],
    PdcaPhase.GENOMFORA: [
        "Stödjer i genomförande av åtgärder relaterade till hälso- och sjukvård.",
        "Sammanställer genomförda åtgärder relaterade till hälso- och sjukvård inför uppföljning.",
    ],
    PdcaPhase.FOLJA_UPP: [
        "Sammanställer årligen resultat från uppföljningen samt vidtagna åtgärder, gällande ärenden som är "
        "relaterade till hälso- och sjukvård, och rapporterar till förvaltningsledning.",
        "Sammanställer rapporterade avvikelser, synpunkter och klagomål relaterade till hälso- och sjukvård samt "
        "vidtagna åtgärder till förvaltningsledning.",
        "Stöder chefer vid hantering av avvikelser, synpunkter och klagomål som är relaterade till hälso- och "
        "sjukvård.",
    ],
    PdcaPhase.FORBATTRA: ["Stöder chefer i förbättringsarbete relaterat till hälso- och sjukvård."],
}

_OCKERO: dict[str, dict[PdcaPhase, list[str]]] = {
    RoleKind.NAMND.value: {phase: _NAMND for phase in PdcaPhase},
    RoleKind.FORVALTNINGSCHEF.value: {
        PdcaPhase.PLANERA: [
            "Fastställer organisation och årsplanering för processarbetet.",
            "Fastställer kartlagda processer.",
            "Fastställer process för riskanalys.",
            "Ansvarar för att genomföra riskbedömning och riskanalys på förvaltningsnivå.",
        ],
        PdcaPhase.GENOMFORA: ["Genomför förbättringsåtgärder."],
        PdcaPhase.FOLJA_UPP: [
            "Fastställer processer och årsplanering för uppföljning.",
            "Ansvarar för att resultat från uppföljningen analyseras på förvaltningsnivå.",
            "Fastställer processer kopplade till avvikelse- och synpunktshantering.",
            "Ansvarar för att avvikelser och synpunkter sammanställs och analyseras på förvaltningsnivå.",
        ],
        PdcaPhase.FORBATTRA: [
            "Ansvarar för att identifierade förbättringsåtgärder analyseras utifrån ett förvaltningsperspektiv."],
    },
    RoleKind.VERKSAMHETSCHEF.value: {
        PdcaPhase.PLANERA: [
            "Ansvarar för att de processer i verksamheten som krävs för att säkra verksamhetens kvalitet är "
            "identifierade, beskrivna och fastställda.",
            "Ansvarar för att genomföra riskbedömning och riskanalys inom sitt verksamhetsområde.",
        ],
        PdcaPhase.GENOMFORA: ["Genomför förbättringsåtgärder."],
        PdcaPhase.FOLJA_UPP: [
            "Ansvarar för att uppföljningen analyseras på verksamhetsområdes- respektive enhetsnivå.",
            "Ansvarar för att avvikelser och synpunkter sammanställs och analyseras på verksamhetsområdes- "
            "respektive enhetsnivå.",
            "Rapporterar analys och resultat till överordnad chef.",
        ],
        PdcaPhase.FORBATTRA: [
            "Ansvarar för att identifierade förbättringsåtgärder analyseras utifrån ett verksamhetsområdes- "
            "/enhetsperspektiv.",
            "Rapporterar förbättringsåtgärder av övergripande karaktär till överordnad chef.",
        ],
    },
    RoleKind.ENHETSCHEF.value: {
        PdcaPhase.PLANERA: [
            "Ansvarar för att implementera processer och förändringar i processer i sin verksamhet.",
            "Ansvarar för att arbetet sker utifrån fastställda processer i sin verksamhet.",
            "Ansvarar för att genomföra riskbedömning och riskanalys på sin enhet.",
        ],
        PdcaPhase.GENOMFORA: ["Genomför förbättringsåtgärder."],
        PdcaPhase.FOLJA_UPP: [
            "Ansvarar för att fastställd uppföljning genomförs på sin enhet och att detta sker tillsammans med "
            "medarbetare.",
            "Ansvarar för att åtgärda brister i verksamheten som upptäcks vid uppföljning.",
            "Ansvarar för att avvikelser och synpunkter hanteras enligt fastställda processer.",
            "Ansvarar för att avvikelser och synpunkter sammanställs och analyseras på enhetsnivå enligt "
            "fastställd process.",
            "Rapporterar analys och resultat till överordnad nivå.",
        ],
        PdcaPhase.FORBATTRA: [
            "Ansvarar för att enheten utför identifierade förbättringsåtgärder på processen.",
            "Rapporterar förbättringsåtgärder till överordnad nivå.",
        ],
    },
    RoleKind.PROCESSAGARE.value: {
        PdcaPhase.PLANERA: [
            "Ansvarar för att utveckla och kvalitetssäkra sin process.",
            "Ansvarar för att genomföra riskbedömning och riskanalys av sin process.",
        ],
        PdcaPhase.GENOMFORA: ["Genomför förbättringsåtgärder."],
        PdcaPhase.FOLJA_UPP: [
            "Ansvarar för att vid behov sammankalla processgrupp för att utveckla och kvalitetssäkra sin process."],
        PdcaPhase.FORBATTRA: ["Ansvarar för att förbättringsåtgärder blir genomförda."],
    },
    RoleKind.STYRGRUPP.value: {
        PdcaPhase.PLANERA: [
            "Säkerställer att processen ligger i linje med kommunens mål.",
            "Fastställer processutvecklingsgruppens förslag på förbättringar.",
        ],
    },
    RoleKind.PROCESSLEDARE.value: {
        PdcaPhase.PLANERA: [
            "Sammankallar och leder processgrupper.",
            "Stöder processägare vid kartläggning och implementering av processer, förändringar i processer och "
            "riskanalyser.",
        ],
        PdcaPhase.GENOMFORA: ["Genomför förbättringsåtgärder."],
        PdcaPhase.FOLJA_UPP: [
            "Sammankallar och leder processgrupper.",
            "Stöder enhetschefer i uppföljningsarbetet.",
            "Stöder enhetschefer vid sammanställning och analys av avvikelser och synpunkter.",
        ],
        PdcaPhase.FORBATTRA: [
            "Sammankallar och leder processgrupper.",
            "Stöder enhetschefer i förbättringsarbetet.",
        ],
    },
    RoleKind.PROCESSUTVECKLINGSGRUPP.value: {
        PdcaPhase.PLANERA: [
            "Deltar i utveckling av processen.",
            "Ansvarar för att förankra förändrade arbetssätt i linjeorganisationen.",
        ],
    },
    RoleKind.PROCESSGRUPP.value: {
        PdcaPhase.PLANERA: [
            "Arbetar enligt processen och säkerställer processens syfte.",
            "Ansvarar för att förankra förändrade arbetssätt i linjeorganisationen.",
        ],
        PdcaPhase.GENOMFORA: [
            "Arbetar enligt processen och säkerställer processens syfte.",
            "Ansvarar för att förankra förändrade arbetssätt i linjeorganisationen.",
        ],
        PdcaPhase.FORBATTRA: ["Deltar i förbättringsarbetet."],
    },
    RoleKind.RESURSAGARE.value: {
        PdcaPhase.PLANERA: [
            "Ansvarar för att möjliggöra deltagande i processens olika grupper.",
            "Ser till att gruppdeltagare har forum för processfrågor i linjeorganisationen.",
        ],
    },
    RoleKind.KVALITETSUTVECKLARE.value: {
        PdcaPhase.PLANERA: [
            "Sammanställer årligen det förbättringsarbete som utförts i processer och rapporterar till "
            "förvaltningsledning och nämnd.",
            "Stöder processamordnare vid utveckling och kvalitetssäkring av processer.",
            "Stöder enhetschefer vid implementering av processer.",
            "Ansvarar för kompetensutveckling inom kvalitetsledning.",
            "Dokumenterar och utvärderar processer.",
            "Dokumenterar risker i systemet.",
            "Sammanställer årligen genomförda riskanalyser och rapporterar till förvaltningsledning.",
        ],
        PdcaPhase.GENOMFORA: [
            "Stödjer i genomförande av åtgärder.",
            "Sammanställer genomförda åtgärder inför uppföljning.",
        ],
        PdcaPhase.FOLJA_UPP: [
            "Sammanställer årligen resultat från uppföljningen samt vidtagna åtgärder och rapporterar till "
            "förvaltningsledning.",
            "Sammanställer rapporterade avvikelser och synpunkter samt vidtagna åtgärder till förvaltningsledning.",
            "Stöder chefer vid hantering av avvikelser och synpunkter.",
        ],
        PdcaPhase.FORBATTRA: ["Stöder chefer i förbättringsarbete."],
    },
    RoleKind.MAS.value: _MAS_MAR,
    RoleKind.MAR.value: _MAS_MAR,
    MEDARBETARE: {
        PdcaPhase.PLANERA: [
            "Deltar i framtagande och utveckling av processer.",
            "Deltar i riskanalyser.",
        ],
        PdcaPhase.GENOMFORA: ["Arbetar enligt fastställda processer och rutiner."],
        PdcaPhase.FOLJA_UPP: [
            "Deltar i uppföljningsarbetet.",
            "Rapporterar uppmärksammade avvikelser.",
            "Bidrar vid utredning och analys av avvikelser och synpunkter.",
        ],
        PdcaPhase.FORBATTRA: ["Deltar i förbättringsarbetet."],
    },
}


def ockero_duties(role: str, phase: PdcaPhase) -> list[str]:
    """The seed: Öckerö's duties of `role` in `phase` ([] where the tables name none)."""
    return list(_OCKERO.get(role, {}).get(PdcaPhase(phase), []))

