"""The flag "kan inträffa på andra enheter" (may happen at other units), and what the risks service reads.

The case's handlers set and clear it while the case is investigating or investigated; each change is an event
carrying the case's identity (id, kind, unit, version) and its moment, nothing else.
"""
from __future__ import annotations

import copy
from datetime import date

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Command, IllegalTransition, Kind, Status

from .test_domain import at, fill, in_status, new

FLAG_KEYS = {"deviation_id", "kind", "unit_id", "version", "flagged_at"}
CLEAR_KEYS = {"deviation_id", "kind", "unit_id", "version", "cleared_at"}
OPEN = [Status.investigating, Status.investigated]
NOT_OFFERED = [s for s in Status if s not in OPEN]


@pytest.mark.parametrize("status", OPEN)
@pytest.mark.parametrize("kind", list(Kind))
def test_the_investigator_flags_and_clears_keeping_the_status(kind, status):
    dev = in_status(status, kind)
    version = dev.version
    dev.flag_possible_elsewhere("chef", at(10))
    assert dev.possible_elsewhere and dev.possible_elsewhere_flagged_at == at(10)
    assert dev.status is status and dev.version == version + 1
    flagged = dev.events[-1]
    assert flagged.type == d.FLAGGED_POSSIBLE_ELSEWHERE == "se.ordning.deviation.flagged_possible_elsewhere.v1"
    assert flagged.data == {"deviation_id": dev.id, "kind": kind.value, "unit_id": "unit-1", "version": version + 1,
                            "flagged_at": "2026-03-02T19:00:00+00:00"}
    assert (flagged.tenant, flagged.subject, flagged.sequence) == ("0138", dev.id, version + 1)

    dev.clear_possible_elsewhere("chef", at(11))
    assert not dev.possible_elsewhere and dev.possible_elsewhere_flagged_at is None
    assert dev.status is status and dev.version == version + 2
    cleared = dev.events[-1]
    assert cleared.type == d.CLEARED_POSSIBLE_ELSEWHERE == "se.ordning.deviation.cleared_possible_elsewhere.v1"
    assert cleared.data == {"deviation_id": dev.id, "kind": kind.value, "unit_id": "unit-1", "version": version + 2,
                            "cleared_at": "2026-03-02T20:00:00+00:00"}
    assert cleared.sequence == version + 2


def test_the_allow_lists_are_exactly_the_identity_and_the_moment():
    assert d.EVENT_PAYLOAD_FIELDS[d.FLAGGED_POSSIBLE_ELSEWHERE] == FLAG_KEYS
    assert d.EVENT_PAYLOAD_FIELDS[d.CLEARED_POSSIBLE_ELSEWHERE] == CLEAR_KEYS
    dev = in_status(Status.investigating)
    with pytest.raises(ValueError):
        dev._record(d.FLAGGED_POSSIBLE_ELSEWHERE, flagged_at=None, status="investigating")


@pytest.mark.parametrize("status", NOT_OFFERED)
@pytest.mark.parametrize("command", sorted(d.POSSIBLE_ELSEWHERE_COMMANDS))
def test_outside_the_investigation_neither_is_allowed_and_nothing_changes(status, command):
    dev = in_status(status)
    if command is Command.clear_possible_elsewhere:
        dev.possible_elsewhere_flagged_at = at(3)  # flagged earlier, as a closed case can be
    before, events = copy.deepcopy(vars(dev)), list(dev.events)
    with pytest.raises(IllegalTransition) as info:
        getattr(dev, command.value)("chef", at(10))
    assert (info.value.code, info.value.http_status) == ("illegal_transition", 409)
    assert str(info.value) == (
        f"Markeringen att det kan inträffa på andra enheter sätts och tas bort under eller efter utredningen, inte "
        f"i ett ärende som är {d.STATUS_LABELS_SV[status]}. The flag of possibly happening at other units is set "
        f"and cleared while or after the case is investigated, not on a case in status {status.value}.")
    assert dev.events == events and {k: v for k, v in vars(dev).items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"}
    assert command not in dev.allowed_commands()


@pytest.mark.parametrize("status", OPEN)
def test_flagging_twice_or_clearing_nothing_is_refused(status):
    dev = in_status(status)
    with pytest.raises(IllegalTransition, match="är inte markerat.*is not flagged"):
        dev.clear_possible_elsewhere("chef", at(10))
    dev.flag_possible_elsewhere("chef", at(10))
    version, events = dev.version, len(dev.events)
    with pytest.raises(IllegalTransition, match="är redan markerat.*already flagged"):
        dev.flag_possible_elsewhere("chef", at(11))
    assert dev.version == version and len(dev.events) == events and dev.possible_elsewhere_flagged_at == at(10)


def test_allowed_commands_offer_the_one_that_applies_to_the_handlers_in_scope():
    dev = in_status(Status.investigated)
    assert Command.flag_possible_elsewhere in dev.allowed_commands({"enhetschef"})
    assert Command.clear_possible_elsewhere not in dev.allowed_commands({"enhetschef"})
    dev.flag_possible_elsewhere("chef", at(10))
    assert Command.clear_possible_elsewhere in dev.allowed_commands({"kvalitetsutvecklare"})
    assert Command.flag_possible_elsewhere not in dev.allowed_commands({"kvalitetsutvecklare"})
    for roles, in_scope in (({"medarbetare"}, True), ({"namnd"}, True), ({"administrator"}, True),
                            ({"mas"}, True), ({"enhetschef"}, False)):
        assert not set(dev.allowed_commands(roles, in_scope)) & d.POSSIBLE_ELSEWHERE_COMMANDS, (roles, in_scope)
    maria = in_status(Status.investigating, Kind.lex_maria)
    assert Command.flag_possible_elsewhere in maria.allowed_commands({"mas"})  # lex Maria's investigators


def test_the_flag_stays_through_closing_and_reopening_and_gallring():
    dev = in_status(Status.investigated, Kind.lex_sarah)
    dev.flag_possible_elsewhere("chef", at(10))
    dev.close("chef", at(11), open_action_count=0)
    assert dev.possible_elsewhere and dev.allowed_commands() == [Command.reopen]
    dev.reopen("chef", at(12))
    assert dev.possible_elsewhere and Command.clear_possible_elsewhere in dev.allowed_commands()
    fill(dev)
    dev.complete_investigation("chef", at(13))
    dev.close("chef", at(14), open_action_count=0)
    dev.pseudonymise(at(24 * 366 * 6), d.retention_for(dev.kind))
    assert dev.possible_elsewhere_flagged_at == at(10)  # a finding, not personal data
    assert dev.allowed_commands() == []


def test_what_the_risks_service_reads_from_each_event_it_uses():
    """Seriousness decided, reported to IVO, flagged and cleared: each carries the case's id, kind, unit and version
    and its date (the envelope adds tenant, id and sequence), so a proposal is made from the event alone."""
    dev = new(Kind.lex_sarah)
    dev.receive("chef", at(1))
    dev.start_investigation("chef", at(2))
    dev.decide_seriousness(True, "chef", at(3))
    dev.flag_possible_elsewhere("chef", at(3))
    dev.record_ivo_report(date(2026, 3, 4), "IVO 3.5.1-1/2026", by="chef")
    dev.clear_possible_elsewhere("chef", at(5))
    dates = {d.SERIOUSNESS_DECIDED: "decided_at", d.IVO_REPORTED: "ivo_reported_on",
             d.FLAGGED_POSSIBLE_ELSEWHERE: "flagged_at", d.CLEARED_POSSIBLE_ELSEWHERE: "cleared_at"}
    used = [event for event in dev.events if event.type in dates]
    assert sorted(event.type for event in used) == sorted(dates)
    versions = [event.data["version"] for event in used]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)  # newer events, higher versions
    for event in used:
        assert {"deviation_id", "kind", "unit_id", "version", dates[event.type]} <= set(event.data)
        assert event.data["deviation_id"] == event.subject == dev.id and event.data["unit_id"] == "unit-1"
        assert event.data["kind"] == "lex_sarah" and event.sequence == event.data["version"]
        assert event.data[dates[event.type]] is not None and event.tenant == "0138"
    assert used[0].data["serious"] is True
