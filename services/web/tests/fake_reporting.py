"""A stand-in for the reporting service's figures API, for the web's tests: the real sections (the reporting
service's domain: figures.build_sections over the cube contributions of a few facts), the real query and answer
schemas and the real CSV, the real access rule (a figure role; a unit within the caller's units; the whole
municipality only from its top), over the demo's org tree; without a database or a bus. `fail_with` makes it
answer a problem (or nothing) instead, to test what the pages say then."""
from __future__ import annotations

from datetime import date, timedelta

import jwt
from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from ordning_reporting.api import figures_csv
from ordning_reporting.patterns_api import flags_csv, providers_csv, trends_csv
from ordning_reporting.domain.access import FIGURE_ROLES
from ordning_reporting.domain.cubes import CUBES
from ordning_reporting.domain.figures import Context, build_sections
from ordning_reporting.domain.period import Period
from ordning_reporting.domain.risk_facts import matrices_with_default, risk_contributions
from ordning_reporting.memory import FactsReader
from ordning_reporting.schemas import FiguresArgsSchema, FiguresSchema
from ordning_shared import demo

from .conftest import Served

NORR, SYD = demo.unit_id("0138", "Hemtjänst Norr"), demo.unit_id("0138", "Hemtjänst Syd")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")
TODAY = date(2026, 11, 24)

# Cases and actions, as the reporting service's facts hold them (cubes.deviation_contributions' fields).
DEVIATIONS = [
    *({"unit_id": NORR, "kind": "avvikelse", "reported_on": f"2026-{m:02d}-10", "origin": "staff",
       "category_id": None} for m in (1, 2, 2, 3, 3, 3)),
    {"unit_id": NORR, "kind": "lex_sarah", "reported_on": "2026-03-02", "origin": "staff", "serious": True,
     "ivo_reported_on": "2026-03-09"},
    {"unit_id": SYD, "kind": "avvikelse", "reported_on": "2026-02-14", "origin": "staff"},
    {"unit_id": SOLGARDEN, "kind": "klagomal", "reported_on": "2026-04-01", "origin": "citizen",
     "received_on": "2026-04-02", "answered_on": "2026-04-08", "answer_due": "2026-04-15"},
    {"unit_id": NORR, "kind": "avvikelse", "reported_on": "2025-06-01", "origin": "staff"},
]
EXTRA_CASES: list[dict] = []  # a test's own cases (e.g. with a category the deviations service knows)
ACTIONS = [{"unit_id": NORR, "created_on": "2026-03-05", "origin_type": "deviation", "status": "planned",
            "due_date": "2026-04-01"},
           {"unit_id": NORR, "created_on": "2026-03-05", "origin_type": "deviation", "status": "done",
            "due_date": "2026-04-01", "effect_followed_up": True}]

# Risks, as the reporting service's facts hold them (risk_facts.fold_risk's fields): one at Norr, scored on the
# default matrix (version 1) and again after actions; a test's own risks and the tenants' matrices (the
# risk_matrices facts, {"versions": {"2": matrix}}) beside them.
RISKS = [{"analysis_id": "a1", "unit_id": NORR, "analysis_unit_id": NORR, "matrix_version": 1,
          "identified_on": "2026-03-10", "escalations": {},
          "initial": {"probability": 3, "consequence": 4, "score": 12, "level": "mycket_hog", "in_plan": True},
          "residual": {"probability": 2, "consequence": 3, "score": 6, "level": "hog", "in_plan": True}}]
EXTRA_RISKS: list[dict] = []
MATRICES: dict[str, list[dict]] = {}


class FactReader(FactsReader):
    """The reporting's in-memory Reader over the facts reported in the period, at the units of the scope (as the
    cubes would sum them)."""

    def __init__(self, units: set | None, period: Period):
        self.units = units
        super().__init__([fact for fact in DEVIATIONS + EXTRA_CASES
                          if period.start <= date.fromisoformat(fact["reported_on"]) <= period.end],
                         [fact for fact in ACTIONS
                          if period.start <= date.fromisoformat(fact["created_on"]) <= period.end])
        self.contributions += [c for fact in RISKS + EXTRA_RISKS
                               if period.start <= date.fromisoformat(fact["identified_on"]) <= period.end
                               for c in risk_contributions(fact)]
        self.contributions = [c for c in self.contributions
                              if units is None or dict(zip(CUBES[c.cube].dim_names, c.key))["unit_id"] in units]

    def over(self, period: Period) -> "FactReader":
        """The same scope over another period (the reporting's Reader: the figures "as of today")."""
        return FactReader(self.units, period)


def _tree(tenant: str) -> dict:
    return {demo.unit_id(t, name): {"name": name, "kind": kind,
                                    "parent_id": demo.unit_id(t, parent) if parent else None}
            for t, name, kind, parent in demo.ORG_UNITS if t == tenant}


def _subtree(units: dict, roots) -> set:
    found, changed = set(r for r in roots if r in units), True
    while changed:
        below = {i for i, u in units.items() if u["parent_id"] in found} - found
        changed, found = bool(below), found | below
    return found


def _problem(status: int, code: str, detail: str):
    answer = jsonify(type="about:blank", title="Problem", status=status, code=code, detail=detail)
    answer.status_code, answer.mimetype = status, "application/problem+json"
    return answer


class FakeReporting:
    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: tuple | None = None  # (status, code, detail)
        self.app = app = Flask("fake_reporting")

        @app.get("/api/v1/figures")
        def figures():
            self.requests.append({"args": request.args.to_dict(flat=False),
                                  "authorization": request.headers.get("Authorization", "")})
            if self.fail_with:
                return _problem(*self.fail_with)
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                return _problem(401, "unauthorized", "Inloggning krävs. Sign-in required.")
            try:
                args = FiguresArgsSchema().load(request.args.to_dict(flat=False) | {
                    k: v for k, v in request.args.items() if k != "section"})
            except ValidationError as error:
                return _problem(422, "invalid", f"Felaktiga parametrar. {error.messages}")
            if not FIGURE_ROLES & set(claims.get("roles", [])):
                return _problem(403, "no_figure_role", "Din roll ger inte tillgång till sammanställningar. No.")
            units = _tree(claims["tenant"])
            mine = _subtree(units, claims.get("org_units", []))
            unit_id = args.get("unit_id")
            if unit_id is None and mine != set(units):
                return _problem(403, "municipality_not_in_scope", "Hela kommunens siffror kräver mer. No.")
            if unit_id is not None and unit_id not in mine:
                return _problem(404, "unknown_scope", f"Det finns ingen enhet med id {unit_id}. No.")
            try:
                period = Period.of(args.get("date_from"), args.get("date_to"), TODAY)
            except Exception as error:  # InvalidPeriod: its Swedish sentence
                return _problem(422, "invalid_period", error.args[0] + " The period.")
            scope = _subtree(units, [unit_id]) if unit_id else None
            context = Context(reader=FactReader(scope, period), months=period.months, today=TODAY, units=units,
                              matrices=matrices_with_default(MATRICES.get(claims["tenant"], [])))
            document = {"tenant": claims["tenant"],
                        "scope": {"unit_id": unit_id, "unit_name": units[unit_id]["name"] if unit_id else None,
                                  "unit_kind": units[unit_id]["kind"] if unit_id else None,
                                  "units": len(scope) if scope else len(units)},
                        "period": period.to_dict(), "today": TODAY,
                        "sections": [s.to_dict() for s in build_sections(context, args.get("section"))]}
            dumped = FiguresSchema().dump(document)
            if args["format"] == "csv":
                try:
                    text = figures_csv(dumped, args.get("table"))
                except Exception as error:  # UnknownTable
                    return _problem(404, "unknown_table", error.args[0] + " No such table.")
                return Response(text, content_type="text/csv; charset=utf-8")
            return jsonify(dumped)

        def access(unit_id):
            """(claims, units, scope or None for the municipality) or a problem answer, as figures does."""
            self.requests.append({"path": request.path, "args": request.args.to_dict(flat=False),
                                  "authorization": request.headers.get("Authorization", "")})
            if self.fail_with:
                return _problem(*self.fail_with)
            claims = jwt.decode(request.headers.get("Authorization", "").removeprefix("Bearer "),
                                options={"verify_signature": False})
            if not FIGURE_ROLES & set(claims.get("roles", [])):
                return _problem(403, "no_figure_role", "Din roll ger inte tillgång till sammanställningar. No.")
            units = _tree(claims["tenant"])
            mine = _subtree(units, claims.get("org_units", []))
            if unit_id is None and mine != set(units):
                return _problem(403, "municipality_not_in_scope", "Hela kommunens siffror kräver mer. No.")
            if unit_id is not None and unit_id not in mine:
                return _problem(404, "unknown_scope", f"Det finns ingen enhet med id {unit_id}. No.")
            return claims, units, (_subtree(units, [unit_id]) if unit_id else None)

        def claims_unit():
            claims = jwt.decode(request.headers.get("Authorization", "").removeprefix("Bearer "),
                                options={"verify_signature": False})
            return (claims.get("org_units") or [None])[0]

        def scope_document(unit_id, units, scope):
            return {"unit_id": unit_id, "unit_name": units[unit_id]["name"] if unit_id else None,
                    "unit_kind": units[unit_id]["kind"] if unit_id else None,
                    "units": len(scope) if scope else len(units)}

        def answer(to_csv, document):
            """The document as JSON, or with format=csv as the reporting service's own CSV of it."""
            if request.args.get("format") == "csv":
                return Response(to_csv(document), content_type="text/csv; charset=utf-8")
            return jsonify(document)

        # The patterns API of the reporting service (rep-models: pattern_schemas.py), from the same cases.
        @app.get("/api/v1/patterns/trends")
        def trends():
            found = access(request.args.get("unit_id"))
            if not isinstance(found, tuple):
                return found
            claims, units, scope = found
            start, end = date.fromisoformat(request.args["from"]), date.fromisoformat(request.args["to"])
            months = Period(start.replace(day=1), end).months

            def count(month, kind=None):
                return sum(1 for case in DEVIATIONS if case["reported_on"][:7] == month.strftime("%Y-%m")
                           and (kind is None or case["kind"] == kind) and (scope is None or case["unit_id"] in scope))

            def series(key, title, kind=None):
                rows = []
                for month in months:
                    before = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
                    n, previous = count(month, kind), count(before, kind)
                    rows.append({"month": month.strftime("%Y-%m"), "count": n, "previous_month": previous,
                                 "change_month": n - previous,
                                 "change_month_pct": round(100 * (n - previous) / previous, 1) if previous else None,
                                 "same_month_last_year": 0, "change_year": n, "change_year_pct": None})
                return {"key": key, "title_sv": title, "months": rows}

            return answer(trends_csv, {"tenant": claims["tenant"], "scope": scope_document(request.args.get("unit_id"),
                                                                                         units, scope),
                            "period": {"from": start.isoformat(), "to": end.isoformat()},
                            "series": [series("deviations.all", "Alla ärenden"),
                                       series("deviations.avvikelse", "Avvikelse", "avvikelse"),
                                       series("deviations.lex_sarah", "Lex Sarah", "lex_sarah"),
                                       series("actions.created", "Skapade åtgärder", "ingen"),
                                       series("actions.done", "Av dem klara i dag", "ingen")],
                            "note_sv": "Hela månader. Ärenden räknas i den månad de anmäldes."})

        @app.get("/api/v1/patterns/flags")
        def flags():
            found = access(request.args.get("unit_id"))
            if not isinstance(found, tuple):
                return found
            claims, units, scope = found
            month = request.args.get("month") or "2026-10"
            flagged = month == "2026-03" and (scope is None or NORR in scope)
            return answer(flags_csv, {"tenant": claims["tenant"], "month": month, "kinds": ["avvikelse"],
                            "scope": scope_document(request.args.get("unit_id"), units, scope),
                            "rule": {"text_sv": "En enhet eller kategori flaggas när månadens antal ärenden är minst "
                                                "5 och större än medelvärdet plus två standardavvikelser.",
                                     "text_en": "A unit or category is flagged when ...", "min_cases": 5,
                                     "history_months": 12, "sd_factor": 2},
                            "examined": {"units": 3, "categories": 1},
                            "units": [{"unit_id": NORR, "unit_name": "Hemtjänst Norr", "unit_kind": "unit",
                                       "count": 7, "mean": 1.5, "sd": 1.1, "threshold": 3.7, "flagged": True}]
                            if flagged else [],
                            "categories": [{"category_id": None, "count": 6, "mean": 1.0, "sd": 0.5,
                                            "threshold": 2.0, "flagged": True}] if flagged else []})

        @app.get("/api/v1/patterns/providers")
        def providers():
            found = access(request.args.get("unit_id"))
            if not isinstance(found, tuple):
                return found
            claims, units, scope = found
            measure = request.args.get("measure")
            rows = []
            for uid in sorted(scope if scope is not None else units):
                kind = units[uid]["kind"]
                if kind not in ("unit", "external_provider"):
                    continue
                total = sum(1 for case in DEVIATIONS if case["unit_id"] == uid)
                volume = 1000.0 if measure == "brukare" and uid == NORR else None
                rows.append({"unit_id": uid, "unit_name": units[uid]["name"], "unit_kind": kind,
                             "regi": "in_house" if kind == "unit" else "external",
                             "regi_sv": "Egen regi" if kind == "unit" else "Privat regi (extern utförare)",
                             "total": total, "by_kind": {}, "volume": volume,
                             "rate_total": total * 1000 / volume if volume else None, "rate_by_kind": {}})
            groups = [{"regi": regi, "regi_sv": label, "units": len([r for r in rows if r["regi"] == regi]),
                       "units_with_volume": 0, "total": sum(r["total"] for r in rows if r["regi"] == regi),
                       "by_kind": {}, "volume": None, "rate_total": None}
                      for regi, label in (("in_house", "Egen regi"), ("external", "Privat regi (extern utförare)"))]
            return answer(providers_csv, {"tenant": claims["tenant"], "year": int(request.args.get("year", 2026)),
                            "scope": scope_document(request.args.get("unit_id"), units, scope), "measure": measure,
                            "measure_sv": {"brukare": "brukare"}.get(measure), "groups": groups, "units": rows,
                            "note_sv": "Ärenden anmälda under året per enhet i egen regi och per extern utförare."})

        @app.get("/api/v1/volumes")
        def volumes():
            # Without unit_id: the volumes within the caller's units (any figure role), as the real list.
            found = access(request.args.get("unit_id") or claims_unit())
            if not isinstance(found, tuple):
                return found
            return jsonify({"items": [{"unit_id": NORR, "measure": "brukare", "year": 2026, "value": "1000.00",
                                       "version": 1, "changed_at": "2026-11-01T08:00:00+01:00"}]})

        # The region view (rep-region: region_schemas.py): the region host's figures; a municipality's consent and
        # threshold, each with its version as the ETag.
        self.consent = {"tenant": "0138", "region": "01", "agreed": False, "agreed_by": None, "agreed_at": None,
                        "withdrawn_by": None, "withdrawn_at": None, "version": 0}
        self.threshold = {"threshold": 5, "default": True, "version": 0}

        def claims_of():
            self.requests.append({"path": request.path, "method": request.method,
                                  "authorization": request.headers.get("Authorization", "")})
            return jwt.decode(request.headers.get("Authorization", "").removeprefix("Bearer "),
                              options={"verify_signature": False})

        @app.get("/api/v1/region/figures")
        def region_figures():
            claims = claims_of()
            if self.fail_with:
                return _problem(*self.fail_with)
            if "region_host" not in claims.get("roles", []):
                return _problem(403, "forbidden", "Din roll tillåter inte detta. No.")
            if request.args.get("format") == "csv":
                return Response("section,figure,row,title_sv,0138,0160\r\ndeviations,total,,Anmälda ärenden,42,< 5\r\n",
                                content_type="text/csv; charset=utf-8")
            return jsonify({"region": claims["tenant"], "year": int(request.args.get("year", 2026)),
                            "period": {}, "today": "2026-11-24", "threshold": 5,
                            "legend": {"small": "< 5", "protected": "..",
                                       "text_sv": "'< 5': färre än 5 ärenden (noll inräknat). '..': dolt."},
                            "municipalities": [{"tenant": "0138", "agreed_at": "2026-10-01T08:00:00+00:00"},
                                               {"tenant": "0160", "agreed_at": "2026-10-02T08:00:00+00:00"}],
                            "sections": [
                                {"key": "deviations", "title_sv": "Avvikelser", "status": "filled", "note": None,
                                 "figures": [{"key": "total", "title_sv": "Anmälda ärenden", "type": "value",
                                              "by_municipality": {"0138": 42, "0160": "< 5"}},
                                             {"key": "by_kind", "title_sv": "Per slag", "type": "table",
                                              "row_key": "kind", "rows": [
                                                  {"kind": "lex_sarah", "label_sv": "Lex Sarah", "0138": "< 5",
                                                   "0160": ".."}]}]},
                                {"key": "risks", "title_sv": "Riskanalyser och risker", "status": "pending",
                                 "note": None, "figures": []}]})

        def versioned(record):
            answer = jsonify(record)
            answer.headers["ETag"] = f'"{id(record)}.{record["version"]}"'
            return answer

        def stale(record):
            return request.headers.get("If-Match") != f'"{id(record)}.{record["version"]}"'

        @app.route("/api/v1/region/consent", methods=["GET", "PUT", "DELETE"])
        def region_consent():
            claims = claims_of()
            if request.method == "GET":
                return versioned(self.consent)
            if "administrator" not in claims.get("roles", []):
                return _problem(403, "forbidden", "Din roll tillåter inte detta. No.")
            if stale(self.consent):
                return _problem(412, "stale", "Inställningen har ändrats av någon annan. Stale.")
            if request.method == "PUT":
                self.consent.update(agreed=True, agreed_by=claims["sub"], agreed_at="2026-11-24T07:00:00+00:00",
                                    withdrawn_at=None, version=self.consent["version"] + 1)
            else:
                self.consent.update(agreed=False, withdrawn_by=claims["sub"], withdrawn_at="2026-11-24T08:00:00+00:00",
                                    version=self.consent["version"] + 1)
            return versioned(self.consent)

        @app.route("/api/v1/suppression", methods=["GET", "PUT"])
        def suppression():
            claims_of()
            if request.method == "GET":
                return versioned(self.threshold)
            if stale(self.threshold):
                return _problem(412, "stale", "Inställningen har ändrats av någon annan. Stale.")
            self.threshold.update(threshold=request.get_json()["threshold"], default=False,
                                  version=self.threshold["version"] + 1)
            return versioned(self.threshold)

        self.served = Served(app)
        self.url = self.served.url

    def stop(self):
        self.served.stop()
