"""The yearly reports: the kvalitetsberättelse and the patientsäkerhetsberättelse, as data and rules.

Plain Python (no Flask, no session). A report kind is a `ReportDefinition`: its sections in order, each with a
Swedish heading, the figure sections of the figures API it shows (by their names there), the charts drawn from
them, and a free-text part the authors write (Markdown). The kvalitetsberättelse follows the Tyresö guideline,
section 5.4.2 (seeds/003); the patientsäkerhetsberättelse the SKR template's sections (DOMAIN.md) and is due
by 1 March of the year after (PSL 3 kap 10 §).

A `Report` is a draft until it is finished: a draft's figures can be regenerated at any time and its text is
kept; a finished report is frozen (figures, charts and text as they were, with who finished it and when) and
never changes again (`FinishedReportIsFrozen`).

Finishing a report is published (se.ordning.report.finished.v1, EVENT_PAYLOAD_FIELDS: ids, codes, the year and
the moment, never the text or who finished it), so that the notify service stops reminding of a
patientsäkerhetsberättelse that is done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.problems import Problem

from .report_suppression import threshold_of


# --------------------------------------------------------------------------
# Errors: each with its status and code (the platform renders them as problem+json)
# --------------------------------------------------------------------------

class ReportError(Problem):
    http_status, code = 409, "report_error"

    def __init__(self, sv: str, en: str, **extra):
        super().__init__(sv, en, **extra)


class FinishedReportIsFrozen(ReportError):
    """A finished report is what the nämnd received: its figures, charts and text never change."""
    code = "report_finished"


class InvalidReport(ReportError):
    http_status, code = 422, "invalid_report"


class UnknownSection(ReportError):
    http_status, code = 422, "unknown_report_section"


class NotAllowedToFinish(ReportError):
    http_status, code = 403, "not_allowed_to_finish_report"


class ThresholdChanged(ReportError):
    """The figures of a finished report go by the threshold in force when it is finished."""
    code = "report_threshold_changed"


class FiguresMissing(ReportError):
    """A report is finished with the figures it shows; a draft that never had any cannot be frozen."""
    code = "report_figures_missing"


# --------------------------------------------------------------------------
# Classifications
# --------------------------------------------------------------------------

class ReportKind(str, Enum):
    quality_report = "quality_report"                # kvalitetsberättelse
    patient_safety_report = "patient_safety_report"  # patientsäkerhetsberättelse


class ReportStatus(str, Enum):
    draft = "draft"
    finished = "finished"


STATUS_LABELS_SV = {ReportStatus.draft: "utkast", ReportStatus.finished: "färdig"}


class ScopeType(str, Enum):
    municipality = "municipality"      # the whole kommun (the tenant)
    administration = "administration"  # a förvaltning (the org tree's kind "administration")


class ChartKind(str, Enum):
    bar = "bar"            # counts per month, per unit or per kind
    line = "line"          # a trend: this year against last year, month by month
    heat_map = "heat_map"  # risks per cell of the tenant's risk matrix


SECTION_TEXT_MAX = 20_000  # characters of Markdown per section: pages of prose, within a request's 64 KiB
YEAR_MIN = 2000


@dataclass(frozen=True)
class ChartSpec:
    """A chart of a section: drawn from the table `table` of the figure section `figure`."""
    key: str
    kind: ChartKind
    figure: str
    table: str
    title: str


@dataclass(frozen=True)
class SectionSpec:
    key: str
    heading: str
    guidance: str                   # what the authors write here, shown beside the empty text box
    figures: tuple[str, ...] = ()   # figure sections of the figures API, by name
    charts: tuple[ChartSpec, ...] = ()
    compilations: tuple[str, ...] = ()  # tables the report compiles from its figures (COMPILATIONS)


@dataclass(frozen=True)
class ReportDefinition:
    kind: ReportKind
    title: str
    sections: tuple[SectionSpec, ...]
    scopes: frozenset
    finishers: frozenset       # the roles that may finish (freeze) a report of this kind
    authors: frozenset         # the roles that may create it, write its text and regenerate its figures
    due_month_day: tuple[int, int] | None = None  # (month, day) of the year after the report's year

    def section(self, key: str) -> SectionSpec:
        for each in self.sections:
            if each.key == key:
                return each
        raise UnknownSection(f"Berättelsen har inget avsnitt som heter {key!r}.",
                             f"The report has no section {key!r}.", section=key)

    @property
    def figure_sections(self) -> tuple[str, ...]:
        """Every figure section the report shows, once each, in the order of first use."""
        seen: list[str] = []
        for section in self.sections:
            for name in (section.figures + tuple(chart.figure for chart in section.charts)
                     + tuple(COMPILATIONS[c] for c in section.compilations)):
                if name not in seen:
                    seen.append(name)
        return tuple(seen)

    def due(self, year: int) -> date | None:
        if self.due_month_day is None:
            return None
        month, day = self.due_month_day
        return date(year + 1, month, day)


def _bar(key: str, figure: str, table: str, title: str) -> ChartSpec:
    return ChartSpec(key, ChartKind.bar, figure, table, title)


def _line(key: str, figure: str, table: str, title: str) -> ChartSpec:
    return ChartSpec(key, ChartKind.line, figure, table, title)


def _heat(key: str, figure: str, table: str, title: str) -> ChartSpec:
    return ChartSpec(key, ChartKind.heat_map, figure, table, title)


# Who may freeze a report for the nämnd: the förvaltningschef answers for the förvaltning's quality work, the
# kvalitetsutvecklare writes the report, the administratör can correct a stuck one; MAS and MAR own the patient
# safety work of the municipality (Tyresö 5.4.3: the MAS compiles it) and finish its report, not the other.
QUALITY_REPORT_FINISHERS = frozenset({"forvaltningschef", "kvalitetsutvecklare", "administrator"})
PATIENT_SAFETY_FINISHERS = QUALITY_REPORT_FINISHERS | {"mas", "mar"}
# The verksamhetschef writes their part (and, for health care, answers for it under HSL) but does not freeze
# the report of the whole förvaltning.
QUALITY_REPORT_AUTHORS = QUALITY_REPORT_FINISHERS | {"verksamhetschef"}
PATIENT_SAFETY_AUTHORS = PATIENT_SAFETY_FINISHERS | {"verksamhetschef"}

# The deviation charts every report draws the same way.
_DEVIATIONS_BY_MONTH = _bar("avvikelser_per_manad", "deviations", "by_month", "Avvikelser per månad")
_DEVIATIONS_TREND = _line("avvikelser_trend", "deviations", "trend", "Avvikelser per månad, i år och i fjol")
_DEVIATIONS_BY_UNIT = _bar("avvikelser_per_enhet", "deviations", "by_unit", "Avvikelser per enhet")
_RISK_HEAT_MAP = _heat("riskkarta", "risks", "heat_map", "Riskkarta: risker per ruta i riskmatrisen")

QUALITY_REPORT = ReportDefinition(
    kind=ReportKind.quality_report,
    title="Kvalitetsberättelse",
    scopes=frozenset({ScopeType.administration, ScopeType.municipality}),
    finishers=QUALITY_REPORT_FINISHERS,
    authors=QUALITY_REPORT_AUTHORS,
    sections=(
        SectionSpec("sammanfattning", "Sammanfattning",
                    "Året i korthet: det viktigaste i kvalitetsarbetet och vad nämnden bör känna till."),
        SectionSpec("kvalitetsmal", "Måluppfyllelse av kvalitetsmålen",
                    "Hur väl kvalitetsmålen nåddes, med indikatorer och nyckeltal, och varför.",
                    figures=("goals",)),
        SectionSpec("processarbete", "Processledningsarbetet under året",
                    "Vilka processer, rutiner och riktlinjer som tagits fram, fastställts och följts upp.",
                    figures=("documents",)),
        SectionSpec("avvikelser", "Avvikelser",
                    "Vad avvikelserna visar: mönster, enheter och kategorier som sticker ut, och vad som gjorts.",
                    figures=("deviations",),
                    charts=(_DEVIATIONS_BY_MONTH, _DEVIATIONS_TREND, _DEVIATIONS_BY_UNIT,
                            _bar("avvikelser_per_typ", "deviations", "by_kind", "Avvikelser per typ"))),
        SectionSpec("lex_sarah_lex_maria", "Lex Sarah och lex Maria",
                    "Rapporterade missförhållanden och vårdskador: utredningarna, vad som anmälts till IVO och "
                    "vilka lärdomar de gav.",
                    figures=("lex_sarah", "lex_maria")),
        SectionSpec("klagomal_och_synpunkter", "Klagomål och synpunkter",
                    "Vad brukare, närstående och medborgare har framfört, hur snabbt de fick svar och vad som "
                    "ändrats.",
                    figures=("complaints_and_feedback",)),
        SectionSpec("granskningar", "Granskningar och egenkontroller",
                    "Genomförda egenkontroller och granskningar enligt granskningsplanen, och deras resultat."),
        SectionSpec("riskanalyser", "Riskanalyser",
                    "Genomförda riskanalyser, de största riskerna och riskhanteringsplanen.",
                    figures=("risks",), charts=(_RISK_HEAT_MAP,)),
        SectionSpec("atgarder", "Vidtagna åtgärder",
                    "Förbättringsåtgärder som genomförts för att säkra och förbättra kvaliteten, och deras effekt.",
                    figures=("actions",)),
        SectionSpec("avtalsuppfoljning", "Avtalsuppföljningar och utförare",
                    "Avtalsuppföljningar och granskningar av utförare i privat regi; utförarnas egna "
                    "verksamhetsberättelser.", compilations=("providers",)),
        SectionSpec("analys_och_fortsatt_arbete", "Analys och fortsatt arbete",
                    "Slutsatser av året och vad som planeras för nästa år (Tyresö 5.5: analysen är grunden för "
                    "nästa års planering)."),
    ),
)

PATIENT_SAFETY_REPORT = ReportDefinition(
    kind=ReportKind.patient_safety_report,
    title="Patientsäkerhetsberättelse",
    scopes=frozenset({ScopeType.administration, ScopeType.municipality}),
    finishers=PATIENT_SAFETY_FINISHERS,
    authors=PATIENT_SAFETY_AUTHORS,
    due_month_day=(3, 1),
    sections=(
        SectionSpec("mal_och_strategier", "Övergripande mål och strategier",
                    "Årets mål för patientsäkerheten och strategierna för att nå dem.",
                    figures=("goals",)),
        SectionSpec("organisation_och_ansvar", "Organisatoriskt ansvar för patientsäkerhetsarbetet",
                    "Vårdgivarens, verksamhetschefens, MAS/MAR:s och personalens ansvar."),
        SectionSpec("samverkan", "Samverkan för att förebygga vårdskador",
                    "Samverkan med regionen, andra vårdgivare och verksamheter kring patientsäkerheten."),
        SectionSpec("delaktighet", "Patienters och närståendes delaktighet",
                    "Hur patienter och närstående görs delaktiga i patientsäkerhetsarbetet."),
        SectionSpec("rapporteringsskyldighet", "Hälso- och sjukvårdspersonalens rapporteringsskyldighet",
                    "Hur personalen rapporterar risker för vårdskador och händelser som medfört eller kunde ha "
                    "medfört en vårdskada.",
                    figures=("deviations",), charts=(_DEVIATIONS_BY_MONTH,)),
        SectionSpec("klagomal_och_synpunkter", "Klagomål och synpunkter",
                    "Hur klagomål och synpunkter på patientsäkerheten tagits emot och hanterats.",
                    figures=("complaints_and_feedback",)),
        SectionSpec("egenkontroll", "Egenkontroll",
                    "Vilka egenkontroller som gjorts, hur ofta, och vad de visade."),
        SectionSpec("riskanalys", "Riskanalys",
                    "Hur risker för vårdskador identifierats och bedömts, och vad som gjorts åt dem.",
                    figures=("risks",), charts=(_RISK_HEAT_MAP,)),
        SectionSpec("utredning_av_handelser", "Utredning av händelser – vårdskador",
                    "Hur händelser som medfört eller kunde ha medfört vårdskada utretts; anmälningar enligt "
                    "lex Maria.",
                    figures=("lex_maria",)),
        SectionSpec("informationssakerhet", "Informationssäkerhet",
                    "Loggkontroller och annat arbete för informationssäkerheten i journalerna."),
        SectionSpec("resultat_och_analys", "Resultat och analys",
                    "Vad året visar: avvikelser, åtgärder och deras effekt, jämfört med året före.",
                    figures=("actions",), charts=(_DEVIATIONS_TREND, _DEVIATIONS_BY_UNIT)),
        SectionSpec("mal_kommande_ar", "Mål och strategier för kommande år",
                    "Mål och planerade åtgärder för patientsäkerheten nästa år."),
    ),
)

# What a report compiles from the figures it shows (report_view.py draws them): the deviations of the utförare
# i privat regi beside those of the units in the municipality's own regi (the figure section it reads).
COMPILATIONS = {"providers": "deviations"}

DEFINITIONS: dict[ReportKind, ReportDefinition] = {
    ReportKind.quality_report: QUALITY_REPORT,
    ReportKind.patient_safety_report: PATIENT_SAFETY_REPORT,
}


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------

def definition(kind) -> ReportDefinition:
    try:
        return DEFINITIONS[ReportKind(kind)]
    except ValueError:
        raise InvalidReport("Det finns ingen sådan sorts berättelse.", "There is no such kind of report.",
                            errors={"json": {"kind": ["unknown"]}}) from None


def check_new_report(kind, scope_type, scope_unit_id: str | None, year: int, today: date) -> ReportDefinition:
    """A report of a kind for a scope and year: a förvaltning names its unit, the municipality none; a year from
    2000 to the current one (a year's report is drafted during it and finished after)."""
    spec = definition(kind)
    try:
        scope = ScopeType(scope_type)
    except ValueError:
        raise InvalidReport("Omfattningen ska vara en förvaltning eller hela kommunen.",
                            "The scope must be an administration or the municipality.",
                            errors={"json": {"scope_type": ["unknown"]}}) from None
    if scope not in spec.scopes:
        raise InvalidReport(f"En {spec.title.lower()} kan inte skrivas för den omfattningen.",
                            "A report of this kind cannot be written for that scope.",
                            errors={"json": {"scope_type": ["not_allowed"]}})
    if (scope is ScopeType.administration) != (scope_unit_id is not None):
        raise InvalidReport("En förvaltnings berättelse anger förvaltningen; kommunens anger ingen enhet.",
                            "An administration's report names the administration; the municipality's names no "
                            "unit.", errors={"json": {"unit_id": ["required" if scope_unit_id is None
                                                                   else "not_allowed"]}})
    if not (isinstance(year, int) and YEAR_MIN <= year <= today.year):
        raise InvalidReport(f"Året ska vara mellan {YEAR_MIN} och {today.year}.",
                            f"The year must be from {YEAR_MIN} to {today.year}.",
                            errors={"json": {"year": ["out_of_range"]}})
    return spec


def may_finish(kind, roles) -> bool:
    return bool(definition(kind).finishers.intersection(roles))


def check_may_finish(kind, roles) -> None:
    if not may_finish(kind, roles):
        spec = definition(kind)
        raise NotAllowedToFinish(
            f"Bara {_roles_sv(spec.finishers)} kan göra en {spec.title.lower()} färdig.",
            "Only the roles named may finish a report of this kind.",
            roles=sorted(spec.finishers))


ROLE_LABELS_SV = {"forvaltningschef": "förvaltningschef", "kvalitetsutvecklare": "kvalitetsutvecklare",
                  "administrator": "administratör", "mas": "MAS", "mar": "MAR"}


def _roles_sv(roles) -> str:
    names = [ROLE_LABELS_SV.get(role, role) for role in sorted(roles)]
    return ", ".join(names[:-1]) + " och " + names[-1] if len(names) > 1 else names[0]


def check_section_text(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidReport("Texten ska vara text.", "The text must be a string.",
                            errors={"json": {"text": ["not_text"]}})
    if len(text) > SECTION_TEXT_MAX:
        raise InvalidReport(f"Texten får vara högst {SECTION_TEXT_MAX} tecken.",
                            f"The text may be at most {SECTION_TEXT_MAX} characters.",
                            errors={"json": {"text": ["too_long"]}})
    return text


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------

REPORT_FINISHED = "se.ordning.report.finished.v1"
# The allow-list of each event's data (docs/asyncapi.yaml): ids, codes, the year and moments only.
EVENT_PAYLOAD_FIELDS = {
    REPORT_FINISHED: frozenset({"report_id", "kind", "scope_type", "unit_id", "year", "finished_at", "version"}),
}


def finished_event(report: "Report") -> DomainEvent:
    """se.ordning.report.finished.v1: the report is finished (frozen) at its version."""
    at = report.finished_at
    at = at.astimezone(timezone.utc) if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    data = {"report_id": report.id, "kind": ReportKind(report.kind).value,
            "scope_type": ScopeType(report.scope_type).value, "unit_id": report.scope_unit_id, "year": report.year,
            "finished_at": at.isoformat(), "version": report.version}
    assert set(data) == EVENT_PAYLOAD_FIELDS[REPORT_FINISHED]
    return DomainEvent(type=REPORT_FINISHED, tenant=report.tenant, subject=report.id, data=data,
                       sequence=report.version)


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------

@dataclass
class Report:
    """One yearly report. `texts` maps section keys to the authors' Markdown; `figures` is the figures API's
    answer the report shows (a snapshot: regenerated on a draft, frozen on a finished one); `charts` holds
    the rendered charts of a finished report (a draft's are drawn from its figures when shown)."""

    id: str
    tenant: str
    kind: ReportKind
    scope_type: ScopeType
    scope_unit_id: str | None
    year: int
    created_at: datetime
    created_by: str
    status: ReportStatus = ReportStatus.draft
    texts: dict = field(default_factory=dict)
    figures: dict | None = None
    figures_generated_at: datetime | None = None
    charts: dict | None = None
    finished_at: datetime | None = None
    finished_by: str | None = None       # the finisher's user id
    finished_by_name: str | None = None  # their name as the report shows it ("Färdig ... av <name>")
    version: int = 1
    events: list = field(default_factory=list, repr=False, compare=False)  # what a change publishes

    @property
    def definition(self) -> ReportDefinition:
        return definition(self.kind)

    @property
    def frozen(self) -> bool:
        return self.status is ReportStatus.finished

    def check_draft(self) -> None:
        if self.frozen:
            raise FinishedReportIsFrozen(
                "Berättelsen är färdig och kan inte längre ändras.",
                "The report is finished and can no longer be changed.")

    def edit_text(self, section_key: str, text: str) -> None:
        """Replace a section's free text; an empty text removes it."""
        self.check_draft()
        self.definition.section(section_key)
        text = check_section_text(text)
        texts = dict(self.texts)
        if text.strip():
            texts[section_key] = text
        else:
            texts.pop(section_key, None)
        self.texts = texts
        self.version += 1

    def regenerate(self, figures: dict, at: datetime) -> None:
        """Take the figures as they are now; the authors' text is kept."""
        self.check_draft()
        self.figures = figures
        self.figures_generated_at = at
        self.version += 1

    def finish(self, *, by: str, by_name: str, roles, charts: dict, at: datetime, threshold: int | None = None) -> None:
        """Freeze the report as it stands: its figures, these rendered charts and its text, with who and when.
        `threshold`: the tenant's for small counts now, which the figures must have gone by."""
        self.check_draft()
        check_may_finish(self.kind, roles)
        if self.figures is None:
            raise FiguresMissing("Berättelsen har inga siffror ännu; hämta dem innan den görs färdig.",
                                 "The report has no figures yet; regenerate it before finishing it.")
        taken = threshold_of(self.figures)
        if threshold is not None and taken != threshold:
            raise ThresholdChanged(
                f"Gränsen för små tal har ändrats till {threshold} sedan siffrorna hämtades (då {taken}); hämta nya "
                f"siffror innan berättelsen görs färdig.", "The threshold for small counts has changed since the "
                "figures were taken; regenerate them before finishing the report.", threshold=threshold, taken=taken)
        self.charts = charts
        self.status = ReportStatus.finished
        self.finished_at = at
        self.finished_by = by
        self.finished_by_name = by_name or by
        self.version += 1
        self.events.append(finished_event(self))


__all__ = [
    "ReportError", "FinishedReportIsFrozen", "InvalidReport", "UnknownSection", "NotAllowedToFinish",
    "FiguresMissing", "ThresholdChanged", "ReportKind", "ReportStatus", "STATUS_LABELS_SV", "ScopeType", "ChartKind",
    "SECTION_TEXT_MAX", "YEAR_MIN", "COMPILATIONS", "ChartSpec", "SectionSpec", "ReportDefinition", "QUALITY_REPORT",
    "PATIENT_SAFETY_REPORT", "DEFINITIONS", "QUALITY_REPORT_FINISHERS", "PATIENT_SAFETY_FINISHERS",
    "QUALITY_REPORT_AUTHORS", "PATIENT_SAFETY_AUTHORS", "definition",
    "check_new_report", "may_finish", "check_may_finish", "check_section_text", "Report", "REPORT_FINISHED",
    "EVENT_PAYLOAD_FIELDS", "finished_event",
]
