"""Role assignments and duties: the rules, without a database."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from ordning_processes import domain as d

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
UNIT, PROCESS = "27460a56-bb16-57e0-90af-507fac38efb8", "0e5c8d1a-7b3f-4a2e-8c9d-6f1a2b3c4d5e"


def assign(**kw) -> d.RoleAssignment:
    values = {"tenant": "0138", "role": "enhetschef", "user_id": "demo-erik", "display_name": "Erik",
              "valid_from": date(2026, 1, 1), "unit_id": UNIT, "at": AT, **kw}
    return d.RoleAssignment.assign(**values)


def test_a_unit_role_at_a_unit_records_assigned_with_ids_and_dates_only():
    assignment = assign(valid_to=date(2026, 12, 31))
    (event,) = assignment.pull_events()
    assert event.type == d.ROLE_ASSIGNED and event.subject == assignment.id and event.sequence == 1
    assert event.data == {"assignment_id": assignment.id, "role": "enhetschef", "unit_id": UNIT, "process_id": None,
                          "user_id": "demo-erik", "valid_from": "2026-01-01", "valid_to": "2026-12-31", "version": 1}
    assert "Erik" not in str(event.data)
    assert assignment.holds_on(date(2026, 6, 1)) and not assignment.holds_on(date(2027, 1, 1))
    assert not assignment.holds_on(date(2025, 12, 31))


def test_a_process_role_at_a_process():
    assignment = assign(role="processagare", unit_id=None, process_id=PROCESS)
    assert assignment.pull_events()[0].data["process_id"] == PROCESS


@pytest.mark.parametrize("kw, error", [
    ({"role": "kung"}, d.UnknownRole),
    ({"role": "processagare"}, d.WrongPlaceForRole),                      # a process role at a unit
    ({"role": "enhetschef", "unit_id": None, "process_id": PROCESS}, d.WrongPlaceForRole),
    ({"role": "mas", "process_id": PROCESS}, d.WrongPlaceForRole),        # both
    ({"unit_id": None}, d.WrongPlaceForRole),                             # neither
    ({"valid_to": date(2025, 12, 31)}, d.InvalidPeriod),
    ({"user_id": "erik@example.se"}, d.InvalidUserId),
    ({"user_id": "Erik Enhetschef"}, d.InvalidUserId),
])
def test_refusals_are_422_problems(kw, error):
    with pytest.raises(error) as raised:
        assign(**kw)
    assert raised.value.http_status == 422


def test_ending_keeps_the_assignment_and_answers_no_more():
    assignment = assign()
    assignment.pull_events()
    assignment.end(AT)
    assert assignment.is_ended and assignment.valid_to == date(2026, 3, 2) and assignment.version == 2
    assert not assignment.holds_on(date(2026, 3, 1))
    (event,) = assignment.pull_events()
    assert event.type == d.ROLE_ENDED and event.data["ended_at"] == AT.isoformat() and event.sequence == 2
    with pytest.raises(d.AssignmentAlreadyEnded) as raised:
        assignment.end(AT)
    assert raised.value.http_status == 409


def test_ending_a_future_assignment_keeps_its_period_valid():
    assignment = assign(valid_from=date(2027, 1, 1))
    assignment.end(AT)
    assert assignment.valid_to == date(2027, 1, 1)


def test_every_duty_role_and_phase_has_the_ockero_seed_in_swedish():
    assert set(d.DUTY_ROLES) == {r.value for r in d.RoleKind} | {"medarbetare"}
    for phase in d.PdcaPhase:
        assert d.ockero_duties("enhetschef", phase) and d.ockero_duties("medarbetare", phase)
        assert d.ockero_duties("mas", phase) == d.ockero_duties("mar", phase)
    assert "Rapporterar uppmärksammade avvikelser." in d.ockero_duties("medarbetare", "folja_upp")
    assert d.ockero_duties("styrgrupp", "genomfora") == []
    everything = " ".join(duty for role in d.DUTY_ROLES for phase in d.PdcaPhase
                          for duty in d.ockero_duties(role, phase))
    assert "å" in everything and "ä" in everything and "ö" in everything


def test_duty_checks():
    assert d.check_duties(["  Deltar.  "]) == ["Deltar."]
    for bad in (["Deltar.", "Deltar."], [" "], ["x"] * (d.DUTIES_MAX_COUNT + 1)):
        with pytest.raises(d.InvalidDuties):
            d.check_duties(bad)
    with pytest.raises(d.UnknownDutyRole):
        d.parse_duty_role("kung")
    with pytest.raises(d.UnknownPhase):
        d.parse_phase("agera")
