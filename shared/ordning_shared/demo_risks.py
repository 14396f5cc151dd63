"""The demo municipality's risk work, seeded through the risks API on `make run`'s first start: the tenant's matrix
(the default 4×4, written as version 1 on its first read), two analyses with scored risks (one with actions and a
residual scoring), and one risk escalated to Socialförvaltningen and accepted there, so that the treatment plan
(riskhanteringsplan) and the heat map (riskkarta) of a unit and of the förvaltning show something."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import demo

TENANT = "0138"
SUMMER = "Sommarbemanning i hemtjänsten"
YEARLY = "Årlig riskanalys, Solgården"
# (analysis title, description, causes, initial (p, c), residual (p, c) or None, actions: (title, days, start?))
RISKS = [
    (SUMMER, "Brukare får fel läkemedel när vikarier delar ut läkemedel.",
     ["Vikarier utan delegering", "Otydlig överlämning mellan passen"], (3, 4), (2, 3),
     [("Delegering och introduktion för alla sommarvikarier", 30, True),
      ("Signeringslistan kontrolleras vid varje passbyte", 60, False)]),
    (SUMMER, "Insatser uteblir när schemat ändras med kort varsel.", ["Schemat ändras utan att brukaren meddelas"],
     (3, 2), None, []),
    (SUMMER, "Bemanningen räcker inte till dubbelbemanning på helgerna.", ["Vakanser som inte tillsätts"],
     (3, 3), None, []),
    (YEARLY, "Boende faller nattetid när de går upp ensamma.", ["Larm som inte hörs", "Mörka korridorer"],
     (4, 3), None, [("Nattbelysning i korridorerna", 45, False)]),
    (YEARLY, "Läkemedel ges till fel boende.", ["Liknande namn på avdelningen"], (2, 4), None, []),
]
ESCALATED = "Bemanningen räcker inte till dubbelbemanning på helgerna."


def seed(data_dir: Path, check=lambda: None) -> None:
    from .devstack import ServiceFailed, _request, base_url, demo_token

    api = base_url("risks") + "/api/v1"
    erik, sara, frida, admin = (demo_token(data_dir, user) for user in ("erik", "sara", "frida", "admin"))
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()

    def call(method, path, body, token, headers=None, key=None, statuses=(200, 201)):
        check()
        headers = dict(headers or {}, **({"Idempotency-Key": f"demo-risk-{key}"} if key else {}))
        status, answer, response_headers = _request(method, api + path, body, token, headers)
        if status not in statuses:
            raise ServiceFailed(f"seeding the risks failed at {method} {path}: {status} {answer}")
        return answer, response_headers

    call("GET", "/risk-matrix", None, admin)  # the default matrix, written as version 1
    analyses = {}
    for title, unit, token, body in (
            (SUMMER, "Hemtjänst Norr", erik, {"trigger": "larger_change", "trigger_change": "summer_staffing",
                                              "participants": ["Erik Eriksson, enhetschef",
                                                               "Anna Andersson, undersköterska"]}),
            (YEARLY, "Särskilt boende Solgården", sara, {"trigger": "yearly",
                                                         "participants": ["Sara Svensson, enhetschef"]})):
        unit_id = demo.unit_id(TENANT, unit)
        body = {"title": title, "scope_type": "unit", "scope_id": unit_id, "analysis_date": today.isoformat(), **body}
        deadline = time.monotonic() + 60
        while True:  # the risks worker builds its copy of the org tree from events first
            check()
            status, answer, _ = _request("POST", api + "/risk-analyses", body, token,
                                         {"Idempotency-Key": f"demo-risk-analysis-{unit_id}"})
            if status == 201:
                break
            if status == 422 and (answer or {}).get("code") == "unknown_unit" and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            raise ServiceFailed(f"seeding a risk analysis failed: {status} {answer}")
        path = f"/risk-analyses/{answer['id']}"
        call("POST", path + "/transitions", {"command": "start"}, token,
             {"If-Match": f'"{answer["id"]}.{answer["version"]}"'})
        analyses[title] = (path, token)

    for index, (title, description, causes, initial, residual, actions) in enumerate(RISKS):
        path, token = analyses[title]
        risk, _ = call("POST", path + "/risks", {"description": description, "causes": causes}, token,
                       key=f"{index}")
        risk_path = f"{path}/risks/{risk['id']}"
        call("POST", risk_path + "/scorings", {"probability": initial[0], "consequence": initial[1],
                                               "kind": "initial"}, token, key=f"{index}-initial")
        for number, (action_title, days, begun) in enumerate(actions):
            action, _ = call("POST", risk_path + "/actions", {
                "title": action_title, "owner": demo.claims_for("erik" if token is erik else "sara")["subject"],
                "due_date": (today + timedelta(days=days)).isoformat()}, token, key=f"{index}-action-{number}")
            if begun:
                call("POST", f"{risk_path}/actions/{action['id']}/transitions", {"command": "start"}, token,
                     {"If-Match": f'"{action["id"]}.{action["version"]}"'})
        if residual:
            call("POST", risk_path + "/scorings", {"probability": residual[0], "consequence": residual[1],
                                                   "kind": "residual"}, token, key=f"{index}-residual")
        if description == ESCALATED:
            escalated, _ = call("POST", risk_path + "/escalations", {
                "to_unit_id": demo.unit_id(TENANT, "Socialförvaltningen"),
                "reason": "Vakanserna kan bara lösas med förvaltningens bemanningsplan."}, token,
                key=f"{index}-escalation")
            escalation = escalated["escalations"][-1]["id"]
            call("POST", f"/risk-escalations/{escalation}/decision", {
                "decision": "accept", "reason": "Tas upp i förvaltningens bemanningsplan."}, frida,
                {"If-Match": f'"{escalation}.1"'})

    # The yearly analysis is completed: every risk of it is scored.
    path, token = analyses[YEARLY]
    _analysis, headers = call("GET", path, None, token)
    call("POST", path + "/transitions", {"command": "complete"}, token, {"If-Match": headers["ETag"]})

