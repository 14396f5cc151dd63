"""`allowed_commands` is what the caller may do now, and the API agrees with it.

For every role below and every case state, on PostgreSQL through the HTTP API: each command the case lists for
the caller succeeds (on a fresh case in the same state), and each command it does not list is refused with 403,
409 or 422 and leaves the case as it was; a caller who may not read the case is told 404 for every command.
A command in `blocked_commands` is refused with the code it names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ordning_deviations.domain import Command
from ordning_shared.workdays import today_in_sweden

from .conftest import ADMIN, CHEF_E1, CHEF_E2, FCHEF_F, KVAL_N, MAS_F, STAFF_E1

REPORTER = STAFF_E1  # every case below is reported by anna (medarbetare) in her unit e1
# Whoever brings a case to its state: every handling role, lex Sarah's and lex Maria's deciders included.
DRIVER = ("root", ["kvalitetsutvecklare", "forvaltningschef", "mas"], ["n"])
CALLERS = {"reporter": REPORTER, "enhetschef_e1": CHEF_E1, "enhetschef_e2": CHEF_E2, "forvaltningschef": FCHEF_F,
           "kvalitetsutvecklare": KVAL_N, "mas": MAS_F, "administrator": ADMIN}
REFUSED = {403, 409, 422}


@dataclass(frozen=True)
class Setup:
    name: str
    kind: str
    steps: tuple[str, ...]


TO_INVESTIGATED = ("receive", "start_investigation", "fill", "complete_investigation")
SETUPS = [
    Setup("avvikelse reported", "avvikelse", ()),
    Setup("avvikelse received", "avvikelse", ("receive",)),
    Setup("avvikelse received, an action open", "avvikelse", ("receive", "action")),
    Setup("avvikelse investigating, investigation empty", "avvikelse", ("receive", "start_investigation")),
    Setup("avvikelse investigating, investigation written", "avvikelse", ("receive", "start_investigation", "fill")),
    Setup("avvikelse investigated", "avvikelse", TO_INVESTIGATED),
    Setup("avvikelse investigated, an action open", "avvikelse", TO_INVESTIGATED + ("action",)),
    Setup("avvikelse investigated, its action done", "avvikelse", TO_INVESTIGATED + ("action", "action_done")),
    Setup("avvikelse closed", "avvikelse", TO_INVESTIGATED + ("close",)),
    Setup("avvikelse rejected", "avvikelse", ("reject",)),
    Setup("synpunkt received", "synpunkt", ("receive",)),
    Setup("klagomal received", "klagomal", ("receive",)),
    Setup("lex Sarah investigated, no seriousness decision", "lex_sarah", TO_INVESTIGATED),
    Setup("lex Sarah investigated, serious, not reported to IVO", "lex_sarah", TO_INVESTIGATED + ("serious",)),
    Setup("lex Sarah investigated, serious, reported to IVO", "lex_sarah", TO_INVESTIGATED + ("serious", "ivo")),
    Setup("lex Maria investigated, not serious", "lex_maria", TO_INVESTIGATED + ("not_serious", "inform")),
    Setup("lex Maria closed", "lex_maria", TO_INVESTIGATED + ("not_serious", "inform", "close")),
]


class Cases:
    def __init__(self, env):
        self.env = env
        self.driver = env.auth(*DRIVER)

    def build(self, setup: Setup) -> str:
        env, driver = self.env, self.driver
        case_id = env.report(kind=setup.kind, who=REPORTER)["id"]
        action_id = None
        for step in setup.steps:
            path = f"/api/v1/deviations/{case_id}"
            if step == "fill":
                r = env.put(f"{path}/investigation", {"what_happened": "Fall", "why": "Halt golv",
                                                      "what_must_change": "Halkskydd"}, driver)
            elif step in ("serious", "not_serious"):
                r = env.put(f"{path}/seriousness", {"serious": step == "serious"}, driver)
            elif step == "inform":  # issue 14: the person concerned informed, which closing a lex case needs
                r = env.put(f"{path}/informing", {"not_informed_reason": "declined"}, driver)
            elif step == "ivo":
                r = env.put(f"{path}/ivo-report", {"reported_on": today_in_sweden().isoformat(),
                                                   "reference": "IVO 3.1.1-1"}, driver)
            elif step == "action":
                r = env.client.post(f"{path}/actions", headers=driver, json={
                    "title": "Halkskydd", "owner": "root", "due_date": (today_in_sweden() + timedelta(days=9)).isoformat()})
                action_id = r.get_json().get("id")
            elif step == "action_done":
                etag = env.client.get(f"{path}/actions/{action_id}", headers=driver).headers["ETag"]
                r = env.client.post(f"{path}/actions/{action_id}/transitions", json={"command": "complete"},
                                    headers={**driver, "If-Match": etag})
            else:
                r = env.act(case_id, step, driver)
            assert r.status_code in (200, 201), (setup.name, step, r.get_json())
        return case_id

    def as_driver(self, case_id) -> dict:
        r = self.env.client.get(f"/api/v1/deviations/{case_id}", headers=self.driver)
        return {**r.get_json(), "etag": r.headers["ETag"]}


def test_every_listed_command_succeeds_and_every_other_is_refused(env):
    cases = Cases(env)
    failures: list[str] = []
    seen_allowed = seen_blocked = seen_unreadable = 0
    for setup in SETUPS:
        probe = cases.build(setup)  # refusals change nothing, so every caller probes this one case
        before = cases.as_driver(probe)
        for who, caller in CALLERS.items():
            headers = env.auth(*caller)
            where = f"{setup.name}, {who}"
            answer = env.client.get(f"/api/v1/deviations/{probe}", headers=headers)
            if answer.status_code == 404:  # may not read it: no list, and every command is "not found"
                seen_unreadable += 1
                for command in Command:
                    status = env.act(probe, command.value, headers, etag=before["etag"]).status_code
                    if status != 404:
                        failures.append(f"{where}: {command.value} on an unreadable case -> {status}")
                continue
            assert answer.status_code == 200, (where, answer.get_json())
            case = answer.get_json()
            allowed = set(case["allowed_commands"])
            blocked = {b["command"]: b for b in case["blocked_commands"]}
            if allowed & set(blocked):
                failures.append(f"{where}: both allowed and blocked: {sorted(allowed & set(blocked))}")
            seen_allowed += len(allowed)
            seen_blocked += len(blocked)
            for command in Command:
                if command.value in allowed:
                    continue
                r = env.act(probe, command.value, headers, etag=answer.headers["ETag"])
                if r.status_code not in REFUSED:
                    failures.append(f"{where}: {command.value} not listed but answered {r.status_code}")
                elif command.value in blocked and r.get_json()["code"] != blocked[command.value]["code"]:
                    failures.append(f"{where}: {command.value} blocked for {blocked[command.value]['code']} "
                                    f"but refused with {r.get_json()['code']}")
            for command in sorted(allowed):
                fresh = cases.build(setup)
                r = env.act(fresh, command, headers)
                if r.status_code != 200:
                    failures.append(f"{where}: {command} listed but answered {r.status_code} "
                                    f"{r.get_json().get('code')}")
        after = cases.as_driver(probe)
        if after["version"] != before["version"] or after["status"] != before["status"]:
            failures.append(f"{setup.name}: a refused command changed the case")
    assert failures == []
    # the property held over something: callers with commands, with blocked ones, and without the case
    assert seen_allowed > 20 and seen_blocked > 5 and seen_unreadable > 10


def test_the_list_says_the_same_per_caller(env):
    """The list of cases answers each case's commands for the caller, as reading the case does."""
    cases = Cases(env)
    case_id = cases.build(SETUPS[6])  # avvikelse investigated, an action open
    for caller in (KVAL_N, CHEF_E1, MAS_F):  # the reporter reads the feedback view only (issue 14)
        headers = env.auth(*caller)
        one = env.client.get(f"/api/v1/deviations/{case_id}", headers=headers).get_json()
        listed = next(item for item in env.client.get("/api/v1/deviations", headers=headers).get_json()["items"]
                      if item["id"] == case_id)
        assert (listed["allowed_commands"], listed["blocked_commands"]) == (one["allowed_commands"],
                                                                            one["blocked_commands"])


def test_what_a_caller_is_offered_depends_on_who_they_are(env):
    cases = Cases(env)
    case_id = cases.build(SETUPS[6])  # avvikelse investigated, an action open

    def offered(caller):
        case = env.client.get(f"/api/v1/deviations/{case_id}", headers=env.auth(*caller)).get_json()
        return case["allowed_commands"], [(b["command"], b["code"]) for b in case["blocked_commands"]]

    # a handler of the unit: may reopen the investigation; closing waits for the open action, and says so
    assert offered(KVAL_N) == (["reopen_investigation", "flag_possible_elsewhere"], [("close", "open_actions_remain")])
    assert offered(CHEF_E1) == offered(KVAL_N)
    # MAS reads avvikelser but does not handle them; the reporter reads only the case's feedback view (issue 14)
    assert offered(MAS_F) == ([], [])
    assert env.client.get(f"/api/v1/deviations/{case_id}", headers=env.auth(*REPORTER)).status_code == 404
    assert env.client.get(f"/api/v1/deviations/{case_id}/feedback", headers=env.auth(*REPORTER)).status_code == 200
    case = env.client.get(f"/api/v1/deviations/{case_id}", headers=env.auth(*KVAL_N)).get_json()
    assert "improvement action" in case["blocked_commands"][0]["reason"]
    # a lex Maria case: MAS handles it
    lex = cases.build(SETUPS[15])  # lex Maria investigated, not serious
    maria = env.client.get(f"/api/v1/deviations/{lex}", headers=env.auth(*MAS_F)).get_json()
    assert maria["allowed_commands"] == ["close", "reopen_investigation", "flag_possible_elsewhere"]
