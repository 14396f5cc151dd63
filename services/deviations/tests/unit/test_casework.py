"""The domain of the daily work (issue 14, item 8): the investigator, the involved unit, closing as a duplicate."""
from __future__ import annotations

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Command, Kind, Status

from .test_domain import at, fill, in_status, new


def test_the_investigator_is_a_user_id_assigned_changed_and_cleared_with_ids_in_the_events():
    dev = in_status(Status.received)
    version = dev.version
    dev.assign_investigator("demo-anna")
    dev.assign_investigator("demo-anna")  # the same: nothing happens
    dev.assign_investigator(" ")  # blank clears
    assert dev.investigator_id is None and dev.version == version + 2
    assert [(e.data["investigator_id"], e.data["previous_investigator_id"]) for e in dev.events[-2:]] == [
        ("demo-anna", None), (None, "demo-anna")]
    assert all(e.type == d.INVESTIGATOR_ASSIGNED for e in dev.events[-2:])
    for bad in ("Anna Andersson", "anna@example.se", "-x", "a" * 201):
        with pytest.raises(d.InvalidInvestigator):
            dev.assign_investigator(bad)
    ended = in_status(Status.closed)
    with pytest.raises(d.CaseClosed):
        ended.assign_investigator("demo-anna")


def test_the_investigator_is_offered_investigating_only():
    dev = in_status(Status.received, Kind.lex_sarah)
    dev.assign_investigator("demo-anna")
    medarbetare = {"medarbetare"}
    assert dev.command_options(medarbetare, False, investigator=True)[0] == [Command.start_investigation]
    assert dev.command_options(medarbetare, False, investigator=False) == ([], [])
    dev.start_investigation("demo-anna", at(3))
    allowed, blocked = dev.command_options(medarbetare, False, investigator=True)
    assert allowed == [] and [b.command for b in blocked] == [Command.complete_investigation]
    fill(dev)
    assert dev.command_options(medarbetare, False, investigator=True)[0] == [Command.complete_investigation]
    dev.complete_investigation("demo-anna", at(4))
    assert dev.command_options(medarbetare, False, investigator=True) == ([], [])  # closing is the handlers'
    assert not d.INVESTIGATOR_COMMANDS & {"close", "reject", "decide_seriousness", "record_ivo_report",
                                           "close_as_duplicate", "assign_investigator", "manage_actions"}
    assert dev.is_investigator("demo-anna") and not dev.is_investigator(None)


def test_the_involved_unit_is_another_unit_and_follows_a_move():
    dev = new(involved_unit_id="u-9")
    assert dev.involved_unit_id == "u-9" and dev.events[0].data["involved_unit_id"] == "u-9"
    assert "involved_unit_id" not in new().events[0].data  # absent when none was named
    with pytest.raises(d.InvalidInvolvedUnit):
        new(involved_unit_id=dev.unit_id)
    with pytest.raises(d.InvalidInvolvedUnit):
        dev.change_involved_unit(dev.unit_id)
    dev.change_involved_unit("u-8")
    assert (dev.events[-1].type, dev.events[-1].data["involved_unit_id"],
            dev.events[-1].data["previous_involved_unit_id"]) == (d.INVOLVED_UNIT_CHANGED, "u-8", "u-9")
    dev.reassign_unit("u-8")  # moved to its involved unit: that is no longer another unit
    assert dev.unit_id == "u-8" and dev.involved_unit_id is None
    assert dev.events[-1].type == d.INVOLVED_UNIT_CHANGED and dev.events[-1].data["previous_involved_unit_id"] == "u-8"


@pytest.mark.parametrize("status", [Status.reported, Status.received, Status.investigating, Status.investigated])
def test_a_case_not_ended_closes_as_a_duplicate_into_its_master(status):
    master, dev = in_status(Status.investigating, Kind.lex_maria), in_status(status, Kind.lex_maria)
    assert dev.close_as_duplicate_option({"mas"}, True, 0) == {"allowed": True, "blocked": None}
    dev.close_as_duplicate("mas", at(9), master=master, master_reference="2026-000001", open_action_count=0)
    assert dev.status is Status.rejected and dev.duplicate_of_id == master.id
    assert dev.rejection == d.Rejection(d.RejectionReason.duplicate, at(9), duplicate_of="2026-000001")
    event = dev.events[-1]
    assert event.type == d.REJECTED and event.data["master_id"] == master.id
    assert (event.data["reason"], event.data["rejected_from"]) == ("duplicate", status.value)
    assert dev.close_as_duplicate_option({"mas"}, True, 0) == {"allowed": False, "blocked": None}
    assert dev.overdue(at(999).date()) == [] and dev.allowed_commands() == []


def test_closing_as_a_duplicate_is_refused_where_it_does_not_belong():
    master = in_status(Status.received)
    duplicate = in_status(Status.received)
    spam = in_status(Status.rejected)
    closed = in_status(Status.closed)
    dev = in_status(Status.received)
    before = (dev.status, dev.version, list(dev.events))
    refusals = [(dev, dev, d.InvalidDuplicate), (dev, spam, d.InvalidDuplicate)]
    duplicate.close_as_duplicate("chef", at(5), master=master, master_reference="2026-000001", open_action_count=0)
    refusals.append((dev, duplicate, d.InvalidDuplicate))  # a duplicate is no master
    other_tenant = in_status(Status.received)
    other_tenant.tenant = "9999"
    refusals.append((dev, other_tenant, d.InvalidDuplicate))
    sarah = in_status(Status.investigating, Kind.lex_sarah)
    refusals += [(sarah, master, d.InvalidDuplicate), (sarah, in_status(Status.received, Kind.lex_maria),
                                                       d.InvalidDuplicate)]
    refusals.append((closed, master, d.IllegalTransition))
    for case, into, error in refusals:
        with pytest.raises(error):
            case.close_as_duplicate("chef", at(6), master=into, master_reference="2026-000009", open_action_count=0)
    with pytest.raises(d.OpenActionsRemain):
        dev.close_as_duplicate("chef", at(6), master=master, master_reference="2026-000001", open_action_count=1)
    assert (dev.status, dev.version, dev.events) == before
    # a closed master is allowed: a late report of an event already handled
    dev.close_as_duplicate("chef", at(7), master=closed, master_reference="2026-000002", open_action_count=0)
    assert dev.duplicate_of_id == closed.id
    # offered only to the handlers, blocked while actions are open
    fresh = in_status(Status.investigated)
    assert fresh.close_as_duplicate_option({"medarbetare"}, True, 0) == {"allowed": False, "blocked": None}
    assert fresh.close_as_duplicate_option({"enhetschef"}, False, 0) == {"allowed": False, "blocked": None}
    blocked = fresh.close_as_duplicate_option({"enhetschef"}, True, 2)
    assert blocked["allowed"] is False and blocked["blocked"]["code"] == "open_actions_remain"


def test_a_master_of_duplicates_is_no_duplicate_itself():
    master, other = in_status(Status.received), in_status(Status.investigating)
    before = (master.status, master.version, list(master.events))
    for path in ("close_as_duplicate", "reject"):
        with pytest.raises(d.MasterOfDuplicates) as refused:
            if path == "close_as_duplicate":
                master.close_as_duplicate("chef", at(6), master=other, master_reference="2026-000009",
                                          open_action_count=0, duplicate_count=2)
            else:
                master.reject("chef", at(6), d.RejectionReason.duplicate, 0, duplicate_of="2026-000009",
                              duplicate_of_id=other.id, duplicate_count=1)
        assert refused.value.http_status == 409 and refused.value.code == "master_of_duplicates"
        assert "huvudärende" in str(refused.value) and "master of" in str(refused.value)
    assert (master.status, master.version, master.events) == before
    blocked = master.close_as_duplicate_option({"enhetschef"}, True, 0, duplicate_count=1)
    assert blocked == {"allowed": False, "blocked": {"code": "master_of_duplicates",
                                                     "reason": blocked["blocked"]["reason"]}}
    # a master may still be rejected as spam, and a case without duplicates closes into it as before
    master.reject("chef", at(7), d.RejectionReason.spam, 0, duplicate_count=1)
    assert master.status is Status.rejected
    other.close_as_duplicate("chef", at(8), master=in_status(Status.received), master_reference="2026-000010",
                             open_action_count=0, duplicate_count=0)
    assert other.status is Status.rejected


def test_gallring_forgets_the_investigator():
    dev = in_status(Status.received)
    dev.assign_investigator("demo-anna")
    dev.reject("chef", at(3), reason="spam", open_action_count=0)
    dev.pseudonymise(at(24 * 365 * 10), d.RetentionPolicy(dev.kind, 2))
    assert dev.investigator_id is None
