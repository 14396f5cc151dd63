"""Event streams of the risks and processes services, as they publish them (services/risks domain/analysis.py,
domain/proposal.py; services/processes domain/documents.py, goals.py, process_map.py), as CloudEvent bodies."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from .streams import A, U, UNITS_A, body


def _at(day: date, hour: int = 9) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc).isoformat()


@dataclass
class Analysis:
    tenant: str
    unit_id: str
    analysis_date: date
    trigger: str = "yearly"
    trigger_change: str | None = None
    matrix_version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "draft"
    version: int = 1  # a draft is version 1 and publishes nothing
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, **extra) -> "Analysis":
        self.version += 1
        data = {"analysis_id": self.id, "unit_id": self.unit_id, "scope_type": "unit", "scope_id": self.unit_id,
                "trigger": self.trigger, "trigger_change": self.trigger_change, "matrix_version": self.matrix_version,
                "analysis_date": self.analysis_date.isoformat(), "status": self.status, **extra,
                "version": self.version}
        self.bodies.append(body(f"se.ordning.risk.analysis_{what}.v1", self.tenant, self.id, data, self.version,
                                "risks"))
        return self

    def start(self):
        self.status = "in_progress"
        return self._emit("started", started_at=_at(self.analysis_date))

    def complete(self, risks: int):
        self.status = "completed"
        return self._emit("completed", completed_at=_at(self.analysis_date + timedelta(days=7)), risk_count=risks)

    def reopen(self):
        self.status = "in_progress"
        return self._emit("reopened", reopened_at=_at(self.analysis_date + timedelta(days=8)))

    def follow_up(self):
        self.status = "followed_up"
        return self._emit("followed_up", followed_up_at=_at(self.analysis_date + timedelta(days=90)))


@dataclass
class Risk:
    analysis: Analysis
    identified_on: date
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 0
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, **extra) -> "Risk":
        self.version += 1
        data = {"risk_id": self.id, "analysis_id": self.analysis.id, "unit_id": self.analysis.unit_id,
                "matrix_version": self.analysis.matrix_version, **extra, "version": self.version}
        self.bodies.append(body(f"se.ordning.risk.{what}.v1", self.analysis.tenant, self.id, data, self.version,
                                "risks"))
        return self

    def identify(self):
        return self._emit("risk_identified", identified_at=_at(self.identified_on))

    def score(self, kind: str, p: int, c: int, threshold: int = 8):
        """On the default 4×4 matrix: the level by score, in the plan from 8 (DOMAIN.md)."""
        score = p * c
        level = "mycket_hog" if score >= 12 else "hog" if score >= 8 else "medel" if score >= 4 else "lag"
        return self._emit("risk_scored", scoring_id=str(uuid.uuid4()), kind=kind, probability=p, consequence=c,
                          score=score, level=level, in_plan=score >= threshold, scored_at=_at(self.identified_on))

    def score_on(self, matrix: "Matrix", kind: str, p: int, c: int):
        """On a tenant's own matrix version: the level of the cell, in the plan from its threshold."""
        level = matrix.level(p, c)
        return self._emit("risk_scored", scoring_id=str(uuid.uuid4()), kind=kind, probability=p, consequence=c,
                          score=p * c, level=level, in_plan=matrix.in_plan(level), scored_at=_at(self.identified_on))

    def escalate(self, to_unit: str, from_unit: str | None = None) -> str:
        escalation_id = str(uuid.uuid4())
        self._emit("risk_escalated", escalation_id=escalation_id, from_unit_id=from_unit or self.analysis.unit_id,
                   to_unit_id=to_unit, escalated_at=_at(self.identified_on + timedelta(days=1)))
        return escalation_id

    def decide(self, escalation_id: str, to_unit: str, accept: bool, from_unit: str | None = None):
        return self._emit("escalation_accepted" if accept else "escalation_returned", escalation_id=escalation_id,
                          from_unit_id=from_unit or self.analysis.unit_id, to_unit_id=to_unit,
                          decided_at=_at(self.identified_on + timedelta(days=2)))


MATRIX_NAMESPACE = uuid.UUID("5d0f7a47-3c3e-4c1c-9a53-3e0b7f1d2a61")  # the risks service's (domain/events.py)


@dataclass
class Matrix:
    """A version of a tenant's risk matrix as the risks service announces it (se.ordning.risk.matrix_changed.v1):
    `size` × `size` steps named by the tenant, its levels (lowest first) with colours, every cell's level."""
    tenant: str
    version: int
    size: int = 4
    levels: tuple = (("lag", "Låg", "#2e7d32"), ("medel", "Medel", "#f9a825"), ("hog", "Hög", "#ef6c00"))
    threshold: str = "medel"
    bodies: list = field(default_factory=list)

    def level(self, p: int, c: int) -> str:
        """Low, medium or high by the cell's share of the largest score: the tenant's own rule."""
        score, top = p * c, self.size * self.size
        return self.levels[2][0] if score * 2 >= top else self.levels[1][0] if score * 4 >= top else self.levels[0][0]

    def in_plan(self, level: str) -> bool:
        codes = [code for code, _label, _colour in self.levels]
        return codes.index(level) >= codes.index(self.threshold)

    @property
    def matrix_id(self) -> str:
        return str(uuid.uuid5(MATRIX_NAMESPACE, f"risk-matrix:{self.tenant}"))

    def data(self) -> dict:
        return {"matrix_id": self.matrix_id,
                "probability_steps": [{"value": i, "label": f"S{i} sannolikhet"} for i in range(1, self.size + 1)],
                "consequence_steps": [{"value": i, "label": f"K{i} konsekvens"} for i in range(1, self.size + 1)],
                "levels": [{"code": code, "label": label, "colour": colour} for code, label, colour in self.levels],
                "cells": [{"probability": p, "consequence": c, "level": self.level(p, c)}
                          for p in range(1, self.size + 1) for c in range(1, self.size + 1)],
                "plan_threshold": self.threshold, "changed_at": _at(date(2026, 1, 2)), "version": self.version}

    def announce(self) -> "Matrix":
        self.bodies.append(body("se.ordning.risk.matrix_changed.v1", self.tenant, self.matrix_id, self.data(),
                                self.version, "risks"))
        return self


@dataclass
class Proposal:
    tenant: str
    unit_id: str
    created_on: date
    reason: str = "serious_deviation"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 1
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, bump: bool = True, **extra) -> "Proposal":
        if bump:
            self.version += 1
        data = {"proposal_id": self.id, "reason": self.reason, "deviation_id": str(uuid.uuid4()),
                "deviation_kind": "lex_sarah", "source_unit_id": self.unit_id, "unit_id": self.unit_id, **extra,
                "version": self.version}
        self.bodies.append(body(f"se.ordning.risk.proposal_{what}.v1", self.tenant, self.id, data, self.version,
                                "risks"))
        return self

    def create(self):
        return self._emit("created", bump=False, created_at=_at(self.created_on))

    def dismiss(self):
        return self._emit("dismissed", decided_at=_at(self.created_on + timedelta(days=3)))

    def withdraw(self):
        return self._emit("withdrawn", withdrawn_at=_at(self.created_on + timedelta(days=3)))


@dataclass
class Document:
    tenant: str
    unit_id: str
    kind: str = "rutin"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    revision: int = 1
    number: int = 0
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, **data) -> None:
        self.revision += 1
        self.bodies.append(body(f"se.ordning.document.{what}.v1", self.tenant, self.id,
                                {"document_id": self.id, "revision": self.revision, "kind": self.kind,
                                 "owner_unit_id": self.unit_id, **data}, self.revision, "processes"))

    def establish(self, on: date, review: date) -> "Document":
        previous = self.number or None
        self.number += 1
        if previous:
            self._emit("version_superseded", version=previous, superseded_on=on.isoformat(),
                       superseded_by_version=self.number)
        self._emit("version_established", unit_ids=[self.unit_id], step_ids=[], version=self.number,
                   established_on=on.isoformat(), review_date=review.isoformat(), superseded_version=previous)
        return self

    def review_due(self, review: date) -> "Document":
        self._emit("review_due", version=self.number, review_date=review.isoformat())
        return self


@dataclass
class Indicator:
    tenant: str
    unit_id: str
    goal_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 0
    bodies: list = field(default_factory=list)

    def measure(self, month: date, value: str, attainment: str) -> "Indicator":
        self.version += 1
        self.bodies.append(body("se.ordning.goal.measurement_recorded.v1", self.tenant, self.id, {
            "goal_id": self.goal_id, "indicator_id": self.id, "unit_id": self.unit_id,
            "measurement_id": str(uuid.uuid4()), "period": month.strftime("%Y-%m"),
            "period_start": month.isoformat(), "value": value, "attainment": attainment, "version": self.version},
            self.version, "processes"))
        return self


@dataclass
class Process:
    tenant: str
    unit_id: str
    kind: str = "huvudprocess"
    parent_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    number: int = 0
    bodies: list = field(default_factory=list)

    def establish(self, on: date) -> "Process":
        self.number += 1
        data = {"process_id": self.id, "unit_id": self.unit_id, "parent_id": self.parent_id, "kind": self.kind,
                "version": self.number, "established_on": on.isoformat()}
        if self.number == 1:
            self.bodies.append(body("se.ordning.process.established.v1", self.tenant, self.id, data, self.number,
                                    "processes"))
        else:
            self.bodies.append(body("se.ordning.process.revised.v1", self.tenant, self.id,
                                    {**data, "previous_version": self.number - 1}, self.number, "processes"))
        return self


def random_model_history(seed: int, analyses: int = 8, year: int = 2026) -> list[bytes]:
    """A year of a municipality's risk analyses, risks, proposals, documents, goals and processes (tenant A)."""
    rng = random.Random(seed)
    # The tenant's matrix: the default announced as version 1, then one of its own (3×3 or 5×5) as version 2.
    own = Matrix(A, 2, size=rng.choice([3, 5])).announce()
    bodies: list[bytes] = Matrix(A, 1).announce().bodies + own.bodies
    for _ in range(analyses):
        unit = rng.choice(UNITS_A)
        analysis = Analysis(A, unit, date(year, rng.randint(1, 12), rng.randint(1, 28)),
                            rng.choice(["yearly", "new_process", "serious_deviation", "other"]),
                            matrix_version=rng.choice([1, 2])).start()
        risks = []
        for _ in range(rng.randint(0, 4)):
            risk = Risk(analysis, analysis.analysis_date + timedelta(days=rng.randint(0, 3))).identify()
            if rng.random() < 0.85:
                if analysis.matrix_version == 2:
                    risk.score_on(own, "initial", rng.randint(1, own.size), rng.randint(1, own.size))
                else:
                    risk.score("initial", rng.randint(1, 4), rng.randint(1, 4))
                if rng.random() < 0.4:
                    risk.score("residual", rng.randint(1, 2), rng.randint(1, 3))
                if rng.random() < 0.3:
                    escalation = risk.escalate(U["f"])
                    if rng.random() < 0.7:
                        risk.decide(escalation, U["f"], rng.random() < 0.5)
            risks.append(risk)
        if rng.random() < 0.7:
            analysis.complete(len(risks))
            if rng.random() < 0.3:
                analysis.reopen().complete(len(risks))
            if rng.random() < 0.3:
                analysis.follow_up()
        bodies += analysis.bodies + [b for risk in risks for b in risk.bodies]
    for _ in range(4):
        proposal = Proposal(A, rng.choice(UNITS_A), date(year, rng.randint(1, 12), 5)).create()
        if rng.random() < 0.5:
            proposal.dismiss()
        bodies += proposal.bodies
    for _ in range(5):
        document = Document(A, rng.choice(UNITS_A), rng.choice(["rutin", "riktlinje"]))
        document.establish(date(year, rng.randint(1, 6), 10), date(year, rng.randint(7, 12), 1))
        if rng.random() < 0.5:
            document.establish(date(year, rng.randint(7, 12), 10), date(year + 1, 6, 1))
        if rng.random() < 0.3:
            document.review_due(date(year + 1, 6, 1))
        bodies += document.bodies
    for _ in range(3):
        indicator = Indicator(A, rng.choice(UNITS_A))
        for month in range(1, rng.randint(2, 12)):
            indicator.measure(date(year, month, 1), str(rng.randint(50, 100)),
                              rng.choice(["met", "partly", "not_met"]))
        bodies += indicator.bodies
    for _ in range(3):
        process = Process(A, rng.choice(UNITS_A), rng.choice(["huvudprocess", "stodprocess"]))
        process.establish(date(year, rng.randint(1, 6), 1))
        if rng.random() < 0.5:
            process.establish(date(year, rng.randint(7, 12), 1))
        bodies += process.bodies
    return bodies
