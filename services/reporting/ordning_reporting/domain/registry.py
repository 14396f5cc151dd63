"""The read models, keyed by event type prefix: the one place that says what reporting does with an event.

Every event is stored as it came (the event store); then each read model whose prefix the event's type starts
with folds it into the fact of its aggregate (the event's `subject`), and the cubes change by the difference of
the fact's contributions. To add a read model (risks, analyses, documents, goals):

1. write its fold (`fold(state, event) -> fact`, facts.py) and its contributions (`fact -> [Contribution]`,
   cubes.py) with the cubes they fill (`CubeSpec`, added to `cubes.CUBES`), and a migration creating the cube
   tables (db.py builds the tables from the specs);
2. add a `ReadModel` to `READ_MODELS` here;
3. fill it from history: `ordning-reporting-rebuild <name>`; the worker keeps it from then on. Its sections in
   figures.py then read its cubes.

Facts are kept in one table (`facts`: tenant, model, aggregate id, version, unit, period day and the fact as
JSON), so a new read model needs no fact table of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import cubes, facts, figures, process_facts, process_figures, risk_facts, risk_figures
from .cubes import Contribution
from .events import StoredEvent


@dataclass(frozen=True)
class ReadModel:
    name: str
    prefixes: tuple[str, ...]  # the event types it folds start with one of these
    fold: Callable[[dict | None, StoredEvent], dict]
    contribute: Callable[[dict], list[Contribution]]
    cubes: tuple[str, ...]  # the cubes its contributions go to (cubes.CUBES keys)
    description: str = ""
    # Every contribution of a fact counts at the fact's own unit (facts.unit_id): the figures of a scope then read
    # only its units' facts for the days of partial months.
    counts_at_fact_unit: bool = False

    def handles(self, event_type: str) -> bool:
        return event_type.startswith(self.prefixes)


DEVIATIONS = ReadModel(
    "deviations", (facts.DEVIATION_PREFIX,), facts.fold_deviation, cubes.deviation_contributions,
    (cubes.DEVIATIONS.name, cubes.DEVIATION_CATEGORIES.name, cubes.DEVIATION_EVENT_TYPES.name,
     cubes.DEVIATION_PROCESSES.name,
     cubes.DEVIATION_DAYS.name),
    "Avvikelser, lex Sarah, lex Maria, klagomål and synpunkter: one fact per case.", counts_at_fact_unit=True)
ACTIONS = ReadModel(
    "actions", (facts.ACTION_PREFIX,), facts.fold_action, cubes.action_contributions, (cubes.ACTIONS.name,),
    "Improvement actions of every origin: one fact per action.", counts_at_fact_unit=True)

cubes.register(*risk_facts.CUBES, *process_facts.CUBES)
CUBES = cubes.CUBES  # every cube, the later read models' too: what db.py makes tables of

RISK_ANALYSES = ReadModel(
    "risk_analyses", (risk_facts.ANALYSIS_PREFIX,), risk_facts.fold_analysis, risk_facts.analysis_contributions,
    (risk_facts.RISK_ANALYSES.name,), "Risk analyses: one fact per analysis, from its start.",
    counts_at_fact_unit=True)
# Not counts_at_fact_unit: a risk counts at its holder, its escalations at the unit they came from.
RISKS = ReadModel(
    "risks", risk_facts.RISK_PREFIXES, risk_facts.fold_risk, risk_facts.risk_contributions,
    (risk_facts.RISKS.name, risk_facts.RISK_CELLS.name, risk_facts.RISK_ESCALATIONS.name),
    "Risks of risk analyses: one fact per risk, with its scorings and escalations.")
RISK_PROPOSALS = ReadModel(
    "risk_proposals", (risk_facts.PROPOSAL_PREFIX,), risk_facts.fold_proposal, risk_facts.proposal_contributions,
    (risk_facts.RISK_PROPOSALS.name,), "Risk proposals from deviations: one fact per proposal.",
    counts_at_fact_unit=True)
# The tenant's matrices fill no cube: the heat map reads them beside the cube of its cells (Context.matrices).
RISK_MATRICES = ReadModel(
    "risk_matrices", (risk_facts.MATRIX_PREFIX,), risk_facts.fold_matrix, risk_facts.matrix_contributions, (),
    "The tenant's risk matrices: one fact per tenant, with every version announced, by number.")
# The dated cubes of documents, goals and processes are read by day, never from the facts.
DOCUMENTS = ReadModel(
    "documents", (process_facts.DOCUMENT_PREFIX,), process_facts.fold_document, process_facts.document_contributions,
    (process_facts.DOCUMENT_VERSIONS.name, process_facts.DOCUMENTS_IN_FORCE.name),
    "Governing documents: one fact per document, with its versions.")
GOALS = ReadModel(
    "goals", (process_facts.GOAL_PREFIX,), process_facts.fold_indicator, process_facts.indicator_contributions,
    (process_facts.GOAL_MEASUREMENTS.name,), "Quality goals: one fact per indicator, with its measurements.")
PROCESSES = ReadModel(
    "processes", (process_facts.PROCESS_PREFIX,), process_facts.fold_process, process_facts.process_contributions,
    (process_facts.PROCESS_VERSIONS.name,), "Processes: one fact per process, with its versions established.")

# Their sections replace the placeholders (same keys); the process work is a section of its own, after goals.
figures.SECTIONS.update({"risks": risk_figures.risks_section, "documents": process_figures.documents_section,
                         "goals": process_figures.goals_section, "processes": process_figures.processes_section})
SECTIONS = figures.SECTIONS

# The organisation tree is a read model too (the platform's org-tree copy, ordning_shared.orgtree), rebuilt from
# the stored se.ordning.org_unit.* events; it has no fold here, since the platform applies its events.
ORG_UNITS = "org_units"
ORG_UNIT_PREFIX = "se.ordning.org_unit."

READ_MODELS: dict[str, ReadModel] = {model.name: model for model in (
    DEVIATIONS, ACTIONS, RISK_ANALYSES, RISKS, RISK_PROPOSALS, RISK_MATRICES, DOCUMENTS, GOALS, PROCESSES)}


def read_model_for(event_type: str) -> list[ReadModel]:
    return [model for model in READ_MODELS.values() if model.handles(event_type)]


def model_names() -> list[str]:
    return [ORG_UNITS, *READ_MODELS]
