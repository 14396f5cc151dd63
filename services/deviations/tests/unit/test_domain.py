"""Unit tests of the deviations domain: state machine, rules, deadlines, events, permissions.

Run: PYTHONPATH=shared:services/deviations python -m pytest -q services/deviations/tests/unit
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import (
    CaseClosed, Command, DEFAULT_DEADLINES, DeadlinePolicy, Deviation, EVENT_PAYLOAD_FIELDS,
    IllegalTransition, InvalidInput, InvalidReport, InvestigationIncomplete, InvestigationNotEditable,
    IvoAlreadyReported, IvoReportNotAllowed, IvoReportRequired, Kind, OpenActionsRemain, Origin,
    RuleViolation, SeriousnessDecisionRequired, SeriousnessDecisionTooEarly, SeriousnessNotApplicable,
    Status, TRANSITIONS, add_working_days, may, may_read,
)

UTC = timezone.utc
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Stockholm
DESCRIPTION = "Brukaren föll i badrummet, Anna Andersson 19450101-1234 var ensam i tjänst"
IMMEDIATE = "Ringde sjuksköterska Karin Berg"


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def new(kind: Kind = Kind.avvikelse, **kwargs) -> Deviation:
    args = dict(tenant="0138", kind=kind, unit_id="unit-1", description=DESCRIPTION,
                reported_at=T0, reported_by="user-42", immediate_action=IMMEDIATE)
    args.update(kwargs)
    return Deviation.report(**args)


def fill(dev: Deviation) -> None:
    dev.update_investigation(what_happened="Fallet skedde vid dusch", why="Halkigt golv",
                             what_must_change="Halkskydd och två i tjänst")


def in_status(status: Status, kind: Kind = Kind.avvikelse) -> Deviation:
    """A case brought to `status` along the normal path."""
    dev = new(kind)
    if status is Status.reported:
        return dev
    if status is Status.rejected:
        dev.reject("chef", at(1), reason="spam", open_action_count=0)
        return dev
    dev.receive("chef", at(1))
    if status is Status.received:
        return dev
    dev.start_investigation("chef", at(2))
    if status is Status.investigating:
        return dev
    fill(dev)
    if dev.kind in d.LEX_KINDS:
        dev.decide_seriousness(False, "beslutare", at(3))
    dev.complete_investigation("chef", at(4))
    if status is Status.investigated:
        return dev
    dev.close("chef", at(5), open_action_count=0)
    assert dev.status is Status.closed
    return dev


def run(dev: Deviation, command: Command) -> None:
    getattr(dev, command.value)(**({"by": "chef", "at": at(10)}
                                   | ({"open_action_count": 0} if command in (Command.close, Command.reject) else {})
                                   | ({"reason": "spam"} if command is Command.reject else {})))


# ---------------------------------------------------------------------------
# State machine
# ---------------------------------------------------------------------------

LEGAL = [
    (Status.reported, Command.receive, Status.received, Kind.avvikelse),
    (Status.received, Command.start_investigation, Status.investigating, Kind.avvikelse),
    (Status.investigating, Command.complete_investigation, Status.investigated, Kind.avvikelse),
    (Status.investigated, Command.close, Status.closed, Kind.avvikelse),
    (Status.closed, Command.reopen, Status.investigating, Kind.avvikelse),
    (Status.investigated, Command.reopen_investigation, Status.investigating, Kind.avvikelse),
    (Status.received, Command.close, Status.closed, Kind.synpunkt),
    (Status.reported, Command.reject, Status.rejected, Kind.lex_sarah),
    (Status.received, Command.reject, Status.rejected, Kind.klagomal),
]


def test_transition_table_is_exactly_the_documented_one():
    assert {(f, c): t for f, c, t, _ in LEGAL} == TRANSITIONS
    assert d.TRANSITION_KINDS == {(Status.received, Command.close): frozenset({Kind.synpunkt})}


@pytest.mark.parametrize("from_status,command,to_status,kind", LEGAL)
def test_every_legal_transition(from_status, command, to_status, kind):
    dev = in_status(from_status, kind)
    if command is Command.complete_investigation:
        fill(dev)
    version = dev.version
    events = len(dev.events)
    run(dev, command)
    assert dev.status is to_status
    assert dev.version == version + 1
    assert len(dev.events) == events + 1
    assert dev.events[-1].data["status"] == to_status.value


# The flag commands keep the status and depend on the flag: test_possible_elsewhere.py has them.
ILLEGAL = [(s, c) for s, c in itertools.product(Status, Command)
           if (s, c) not in TRANSITIONS and c not in d.POSSIBLE_ELSEWHERE_COMMANDS]


@pytest.mark.parametrize("from_status,command", ILLEGAL)
@pytest.mark.parametrize("kind", list(Kind))
def test_every_illegal_transition_raises(from_status, command, kind):
    dev = in_status(from_status, kind)
    version, events = dev.version, list(dev.events)
    with pytest.raises(IllegalTransition) as info:
        run(dev, command)
    assert info.value.code == "illegal_transition"
    assert info.value.http_status == 409
    assert f"som är {d.STATUS_LABELS_SV[from_status]}." in str(info.value)
    assert f"in status {from_status.value}." in str(info.value)
    assert dev.status is from_status and dev.version == version and dev.events == events


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.synpunkt])
def test_close_from_received_only_for_synpunkt(kind):
    dev = in_status(Status.received, kind)
    with pytest.raises(IllegalTransition, match="avsluta.*Cannot close"):
        dev.close("chef", at(3), open_action_count=0)
    assert dev.status is Status.received


def test_illegal_message_is_swedish_and_english():
    dev = new()
    with pytest.raises(IllegalTransition) as info:
        dev.close("chef", at(1), open_action_count=0)
    assert str(info.value) == ("Det går inte att avsluta ett ärende som är anmält. "
                               "Cannot close a case in status reported.")


def test_allowed_commands():
    assert d.allowed_commands(Status.received, Kind.synpunkt) == [Command.start_investigation, Command.close,
                                                                Command.reject]
    assert d.allowed_commands(Status.received, Kind.klagomal) == [Command.start_investigation, Command.reject]
    assert in_status(Status.investigated).allowed_commands() == [Command.close, Command.reopen_investigation,
                                                                 Command.flag_possible_elsewhere]


def test_reopen_clears_closed_and_completed_and_keeps_text():
    dev = in_status(Status.closed)
    dev.reopen("chef", at(9))
    assert dev.closed_at is None and dev.investigation.completed_at is None
    assert dev.investigation.why == "Halkigt golv"
    assert dev.events[-1].type == d.REOPENED
    assert dev.events[-1].data["reopened_from"] == "closed"


def test_reopened_synpunkt_gets_investigation_start():
    dev = in_status(Status.received, Kind.synpunkt)
    dev.close("chef", at(2), open_action_count=0)
    assert dev.events[-1].data["closed_from"] == "received"
    dev.reopen("chef", at(5))
    assert dev.status is Status.investigating and dev.investigation.started_at == at(5)


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("blank_field", ["what_happened", "why", "what_must_change"])
def test_complete_investigation_requires_all_three_fields(blank_field):
    dev = in_status(Status.investigating)
    fill(dev)
    dev.update_investigation(**{blank_field: "   "})
    with pytest.raises(InvestigationIncomplete) as info:
        dev.complete_investigation("chef", at(5))
    assert info.value.code == "investigation_incomplete"
    assert info.value.missing == [blank_field]
    assert dev.status is Status.investigating and dev.investigation.completed_at is None


def test_complete_investigation_lists_everything_missing():
    dev = in_status(Status.investigating)
    dev.update_investigation(why="Orsak")
    with pytest.raises(InvestigationIncomplete) as info:
        dev.complete_investigation("chef", at(5))
    assert info.value.missing == ["what_happened", "what_must_change"]


def test_complete_investigation_sets_completed_at():
    dev = in_status(Status.investigating)
    fill(dev)
    dev.complete_investigation("chef", at(5))
    assert dev.investigation.completed_at == at(5)


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.investigating])
def test_investigation_text_editable_only_while_investigating(status):
    dev = in_status(status)
    before = dev.investigation.what_happened
    with pytest.raises(InvestigationNotEditable) as info:
        dev.update_investigation(what_happened="Ny text")
    assert info.value.code == "investigation_not_editable"
    assert dev.investigation.what_happened == before


def test_update_investigation_changes_only_given_fields_and_bumps_version_without_event():
    dev = in_status(Status.investigating)
    fill(dev)
    version, events = dev.version, len(dev.events)
    dev.update_investigation(why="Ny orsak")
    assert dev.investigation.why == "Ny orsak"
    assert dev.investigation.what_happened == "Fallet skedde vid dusch"
    assert dev.version == version + 1 and len(dev.events) == events
    dev.update_investigation(why="Ny orsak")  # no change, no new version
    assert dev.version == version + 1


@pytest.mark.parametrize("kind", [Kind.lex_sarah, Kind.lex_maria])
def test_lex_close_requires_seriousness_decision(kind):
    dev = in_status(Status.investigating, kind)
    fill(dev)
    dev.complete_investigation("chef", at(5))
    with pytest.raises(SeriousnessDecisionRequired) as info:
        dev.close("chef", at(6), open_action_count=0)
    assert info.value.code == "seriousness_decision_required"
    assert dev.status is Status.investigated


@pytest.mark.parametrize("kind", [Kind.lex_sarah, Kind.lex_maria])
def test_serious_lex_close_requires_ivo_report(kind):
    dev = in_status(Status.investigated, kind)
    dev.decide_seriousness(True, "mas-1", at(6))
    with pytest.raises(IvoReportRequired) as info:
        dev.close("chef", at(7), open_action_count=0)
    assert info.value.code == "ivo_report_required"
    dev.record_ivo_report(date(2026, 3, 5), "IVO 3.5.1-12345/2026", by="mas-1")
    dev.close("chef", at(8), open_action_count=0)
    assert dev.status is Status.closed
    assert dev.events[-1].data["serious"] is True


@pytest.mark.parametrize("kind", [Kind.lex_sarah, Kind.lex_maria])
def test_non_serious_lex_closes_without_ivo(kind):
    dev = in_status(Status.investigated, kind)
    dev.close("chef", at(7), open_action_count=0)
    assert dev.status is Status.closed and dev.ivo_report is None


@pytest.mark.parametrize("status", [Status.reported, Status.received])
def test_seriousness_decision_only_once_investigation_started(status):
    dev = in_status(status, Kind.lex_maria)
    with pytest.raises(SeriousnessDecisionTooEarly) as info:
        dev.decide_seriousness(True, "mas-1", at(3))
    assert info.value.code == "seriousness_decision_too_early"
    assert dev.seriousness is None


def test_seriousness_may_be_revised_until_closed():
    dev = in_status(Status.investigating, Kind.lex_sarah)
    dev.decide_seriousness(False, "chef-1", at(3))
    assert dev.events[-1].data["revised"] is False
    dev.decide_seriousness(True, "chef-2", at(4))
    assert dev.seriousness.serious is True and dev.seriousness.decided_by == "chef-2"
    assert dev.events[-1].data == {**dev.events[-1].data, "serious": True, "revised": True}
    fill(dev)
    dev.complete_investigation("chef", at(5))
    dev.decide_seriousness(False, "chef-3", at(6))  # still allowed while investigated
    dev.close("chef", at(7), open_action_count=0)
    with pytest.raises(CaseClosed) as info:
        dev.decide_seriousness(True, "chef-4", at(8))
    assert info.value.code == "case_closed"
    assert dev.seriousness.decided_by == "chef-3"


@pytest.mark.parametrize("kind", [Kind.avvikelse, Kind.klagomal, Kind.synpunkt])
def test_seriousness_not_applicable_to_non_lex(kind):
    dev = in_status(Status.investigating, kind)
    with pytest.raises(SeriousnessNotApplicable) as info:
        dev.decide_seriousness(True, "chef", at(3))
    assert info.value.code == "seriousness_not_applicable"


@pytest.mark.parametrize("kind", [Kind.avvikelse, Kind.klagomal, Kind.synpunkt])
def test_ivo_report_not_allowed_on_non_lex(kind):
    dev = in_status(Status.investigating, kind)
    with pytest.raises(IvoReportNotAllowed) as info:
        dev.record_ivo_report(date(2026, 3, 5), "IVO-1")
    assert info.value.code == "ivo_report_not_allowed"


@pytest.mark.parametrize("serious", [None, False])
def test_ivo_report_not_allowed_unless_decided_serious(serious):
    dev = in_status(Status.investigating, Kind.lex_maria)
    if serious is not None:
        dev.decide_seriousness(serious, "mas-1", at(3))
    with pytest.raises(IvoReportNotAllowed):
        dev.record_ivo_report(date(2026, 3, 5), "IVO-1")
    assert dev.ivo_report is None


def test_cannot_revise_to_not_serious_after_ivo_report():
    dev = in_status(Status.investigating, Kind.lex_maria)
    dev.decide_seriousness(True, "mas-1", at(3))
    dev.record_ivo_report(date(2026, 3, 5), " IVO-1 ", by="mas-1")
    assert dev.ivo_report == d.IvoReport(date(2026, 3, 5), "IVO-1", "mas-1")
    with pytest.raises(IvoAlreadyReported) as info:
        dev.decide_seriousness(False, "mas-2", at(4))
    assert info.value.code == "ivo_already_reported"
    assert dev.seriousness.serious is True


def test_ivo_report_needs_a_reference_and_a_date():
    dev = in_status(Status.investigating, Kind.lex_sarah)
    dev.decide_seriousness(True, "chef", at(3))
    with pytest.raises(InvalidInput):
        dev.record_ivo_report(date(2026, 3, 5), "  ")
    with pytest.raises(InvalidInput):
        dev.record_ivo_report(datetime(2026, 3, 5, 12), "IVO-1")


@pytest.mark.parametrize("open_count", [1, 3])
def test_close_requires_all_actions_done_or_cancelled(open_count):
    dev = in_status(Status.investigated)
    with pytest.raises(OpenActionsRemain) as info:
        dev.close("chef", at(6), open_action_count=open_count)
    assert info.value.code == "open_actions_remain"
    assert info.value.open_action_count == open_count
    assert dev.status is Status.investigated and dev.closed_at is None


def test_count_open_actions():
    actions = [d.ActionSummary("a1", "done"), d.ActionSummary("a2", "cancelled"),
               d.ActionSummary("a3", "planned"), d.ActionSummary("a4", "in_progress")]
    assert d.count_open_actions(actions) == 2
    dev = in_status(Status.investigated)
    with pytest.raises(OpenActionsRemain):
        dev.close("chef", at(6), open_action_count=d.count_open_actions(actions))
    dev.close("chef", at(6), open_action_count=d.count_open_actions(actions[:2]))
    assert dev.closed_at == at(6)


def test_rule_codes_are_distinct_and_all_rule_violations():
    classes = [CaseClosed, InvalidInput, InvalidReport, InvestigationIncomplete, InvestigationNotEditable,
               IvoAlreadyReported, IvoReportNotAllowed, IvoReportRequired, OpenActionsRemain,
               SeriousnessDecisionRequired, SeriousnessDecisionTooEarly, SeriousnessNotApplicable]
    assert all(issubclass(c, RuleViolation) for c in classes)
    codes = [c.code for c in classes] + [IllegalTransition.code, RuleViolation.code]
    assert len(codes) == len(set(codes))
    assert {c.http_status for c in classes} == {409, 422}


def test_closed_case_category_and_unit_are_frozen():
    dev = in_status(Status.closed)
    with pytest.raises(CaseClosed):
        dev.change_category("cat-2")
    with pytest.raises(CaseClosed):
        dev.reassign_unit("unit-2")
    assert dev.unit_id == "unit-1" and dev.category_id is None


def test_reassign_unit_and_change_category():
    dev = new()
    dev.reassign_unit("unit-9")
    assert dev.unit_id == "unit-9"
    assert dev.events[-1].type == d.UNIT_CHANGED
    assert dev.events[-1].data["previous_unit_id"] == "unit-1" and dev.events[-1].data["unit_id"] == "unit-9"
    dev.change_category("cat-7")
    assert dev.events[-1].type == d.CATEGORY_CHANGED
    assert dev.events[-1].data["category_id"] == "cat-7" and dev.events[-1].data["previous_category_id"] is None
    version = dev.version
    dev.change_category("cat-7")  # no change: no event, no version
    dev.reassign_unit("unit-9")
    assert dev.version == version
    with pytest.raises(InvalidInput):
        dev.reassign_unit(" ")


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

def test_report_sets_fields_and_version_and_one_event():
    dev = new(Kind.lex_sarah, category_id=None)
    assert dev.status is Status.reported and dev.version == 1
    assert dev.category_id is None and dev.origin is Origin.staff and dev.reported_by == "user-42"
    assert len(dev.id) == 36
    assert [e.type for e in dev.events] == ["se.ordning.deviation.reported.v1"]
    event = dev.events[0]
    assert event.tenant == "0138" and event.subject == dev.id
    assert event.data["ivo_due"] is None and dev.ivo_due is None  # due from the seriousness decision
    assert event.data["anonymous"] is False


@pytest.mark.parametrize("kind", [Kind.klagomal, Kind.synpunkt])
def test_anonymous_citizen_may_report_complaints_and_feedback(kind):
    dev = new(kind, origin="citizen", reported_by=None)
    assert dev.anonymous and dev.origin is Origin.citizen
    assert dev.events[0].data["origin"] == "citizen" and dev.events[0].data["anonymous"] is True


@pytest.mark.parametrize("kind", [Kind.avvikelse, Kind.lex_sarah, Kind.lex_maria])
def test_citizen_may_not_report_other_kinds(kind):
    with pytest.raises(InvalidReport) as info:
        new(kind, origin=Origin.citizen, reported_by=None)
    assert info.value.code == "invalid_report" and info.value.http_status == 422


@pytest.mark.parametrize("bad", [dict(reported_by=None), dict(description="  "), dict(unit_id=""),
                                 dict(kind="olycka"), dict(occurred_at=T0 + timedelta(days=1))])
def test_invalid_reports(bad):
    with pytest.raises(InvalidReport):
        new(**bad)


def test_policy_kind_must_match():
    with pytest.raises(ValueError):
        new(Kind.avvikelse, policy=DEFAULT_DEADLINES[Kind.klagomal])


# ---------------------------------------------------------------------------
# Calendar and deadlines
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("start,n,expected", [
    (date(2026, 3, 13), 1, date(2026, 3, 16)),   # Friday + 1 -> Monday
    (date(2026, 3, 13), 2, date(2026, 3, 17)),
    (date(2026, 3, 14), 1, date(2026, 3, 16)),   # from a Saturday
    (date(2026, 3, 16), 0, date(2026, 3, 16)),
    (date(2026, 4, 2), 1, date(2026, 4, 7)),     # skips Långfredag, Easter weekend, Annandag påsk
    (date(2026, 4, 1), 2, date(2026, 4, 7)),
    (date(2026, 5, 13), 1, date(2026, 5, 15)),   # Kristi himmelfärd
    (date(2026, 6, 18), 1, date(2026, 6, 22)),   # midsommarafton 19 June 2026
    (date(2026, 6, 5), 1, date(2026, 6, 8)),
    (date(2026, 12, 23), 1, date(2026, 12, 28)),  # jul
    (date(2026, 12, 30), 1, date(2027, 1, 4)),    # nyårsafton, nyårsdagen, weekend
    (date(2027, 1, 5), 1, date(2027, 1, 7)),      # trettondedag jul
])
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_add_working_days_rejects_negative():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1)


def test_due_dates_across_a_weekend_and_easter():
    # Friday 13 March 2026; 20 working days run over Easter (3 and 6 April are holidays)
    dev = new(Kind.avvikelse, reported_at=datetime(2026, 3, 13, 8, 0, tzinfo=UTC))
    assert dev.receipt_due == date(2026, 3, 17)
    assert dev.investigation_due == date(2026, 4, 14)
    assert dev.ivo_due is None


def test_due_dates_lex_reported_before_easter():
    dev = new(Kind.lex_sarah, reported_at=datetime(2026, 4, 2, 10, 0, tzinfo=UTC))  # Maundy Thursday
    assert dev.receipt_due == date(2026, 4, 7)
    assert dev.investigation_due == date(2026, 4, 20)
    assert dev.ivo_due is None  # set when the case is decided serious


def test_due_dates_across_midsummer():
    dev = new(Kind.klagomal, reported_at=datetime(2026, 6, 18, 12, 0, tzinfo=UTC))
    assert dev.receipt_due == date(2026, 6, 23)
    assert dev.investigation_due == date(2026, 7, 3)


def test_due_dates_use_the_swedish_date():
    # 23:30 UTC on Thursday 12 March is 00:30 on Friday 13 March in Stockholm
    dev = new(Kind.avvikelse, reported_at=datetime(2026, 3, 12, 23, 30, tzinfo=UTC))
    assert dev.receipt_due == date(2026, 3, 17)


def test_tenant_policy_overrides_default():
    policy = DeadlinePolicy(Kind.lex_maria, receipt_days=0, investigation_days=5, ivo_report_days=3)
    assert d.policy_for(Kind.lex_maria, {Kind.lex_maria: policy}) is policy
    assert d.policy_for(Kind.avvikelse, {Kind.lex_maria: policy}) is DEFAULT_DEADLINES[Kind.avvikelse]
    dev = new(Kind.lex_maria, reported_at=datetime(2026, 3, 13, 8, tzinfo=UTC), policy=policy)
    assert (dev.receipt_due, dev.investigation_due, dev.ivo_due) == (
        date(2026, 3, 13), date(2026, 3, 20), None)
    dev.receive("mas", datetime(2026, 3, 13, 9, tzinfo=UTC))
    dev.start_investigation("mas", datetime(2026, 3, 13, 9, tzinfo=UTC))
    dev.decide_seriousness(True, "mas", datetime(2026, 3, 13, 10, tzinfo=UTC), policy=policy)
    assert dev.ivo_due == date(2026, 3, 16)  # 3 calendar days from the decision, the weekend counted


def test_default_deadlines():
    assert {k: (p.receipt_days, p.investigation_days, p.ivo_report_days) for k, p in DEFAULT_DEADLINES.items()} == {
        Kind.klagomal: (2, 10, None), Kind.synpunkt: (2, 10, None), Kind.avvikelse: (2, 20, None),
        Kind.lex_sarah: (1, 10, 14), Kind.lex_maria: (1, 10, 14)}


@pytest.mark.parametrize("kwargs", [dict(kind=Kind.avvikelse, receipt_days=1, investigation_days=5, ivo_report_days=3),
                                    dict(kind=Kind.lex_sarah, receipt_days=1, investigation_days=5),
                                    dict(kind=Kind.klagomal, receipt_days=-1, investigation_days=5)])
def test_invalid_policies(kwargs):
    with pytest.raises(ValueError):
        DeadlinePolicy(**kwargs)


# ---------------------------------------------------------------------------
# Overdue
# ---------------------------------------------------------------------------

def lex_case() -> Deviation:
    # reported Monday 2 March 2026: receipt due 3 March, investigation due 16 March; IVO due once decided serious
    dev = new(Kind.lex_maria)
    assert (dev.receipt_due, dev.investigation_due, dev.ivo_due) == (
        date(2026, 3, 3), date(2026, 3, 16), None)
    return dev


def test_overdue_receipt():
    dev = lex_case()
    assert dev.overdue(date(2026, 3, 3)) == []  # the due date itself is still in time
    assert not dev.is_overdue(date(2026, 3, 3))
    assert dev.overdue(date(2026, 3, 4)) == ["receipt"]
    assert dev.is_overdue(date(2026, 3, 4))
    dev.receive("mas", at(30))
    assert dev.overdue(date(2026, 3, 4)) == []


def test_overdue_investigation():
    dev = lex_case()
    dev.receive("mas", at(1))
    dev.start_investigation("mas", at(2))
    assert dev.overdue(date(2026, 3, 16)) == []
    assert dev.overdue(date(2026, 3, 17)) == ["investigation"]
    fill(dev)
    dev.complete_investigation("mas", at(3))
    assert dev.overdue(date(2026, 3, 17)) == []
    dev.reopen_investigation("mas", at(4))
    assert dev.overdue(date(2026, 3, 17)) == ["investigation"]


def test_overdue_everything_at_once_for_unreceived_case():
    dev = lex_case()
    assert dev.overdue(date(2026, 4, 1)) == ["receipt", "investigation"]


def test_overdue_ivo_report_only_for_serious_cases():
    dev = lex_case()
    dev.receive("mas", at(1))
    dev.start_investigation("mas", at(2))
    fill(dev)
    dev.complete_investigation("mas", at(3))
    dev.decide_seriousness(False, "mas", at(4))
    assert dev.overdue(date(2026, 3, 17)) == []
    dev.decide_seriousness(True, "mas", at(5))
    assert dev.overdue(date(2026, 3, 16)) == []
    assert dev.overdue(date(2026, 3, 17)) == ["ivo_report"]
    dev.record_ivo_report(date(2026, 3, 17), "IVO-9")
    assert dev.overdue(date(2026, 3, 17)) == []


def test_closed_case_is_never_overdue():
    dev = in_status(Status.closed)
    assert dev.overdue(date(2030, 1, 1)) == []


def test_synpunkt_closed_without_investigation_is_not_overdue():
    dev = in_status(Status.received, Kind.synpunkt)
    assert dev.overdue(date(2026, 6, 1)) == ["investigation"]  # unanswered
    dev.close("chef", at(3), open_action_count=0)
    assert dev.overdue(date(2026, 6, 1)) == []


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------

def full_lifecycle() -> Deviation:
    dev = new(Kind.lex_maria, category_id="cat-1", occurred_at=T0 - timedelta(hours=3))
    dev.reassign_unit("unit-2")
    dev.change_category("cat-2")
    dev.link_process_step("step-1")
    from ordning_deviations import classification as cl  # the classification beside the category (issue 14)
    cl.change_event_type(dev, "fall")
    cl.score_consequence(dev, 3, cl.DEFAULT_SCALE)
    cl.change_place(dev, "place-1")
    dev.receive("mas", at(1))
    dev.start_investigation("mas", at(2))
    fill(dev)
    # issue 14: to lex Sarah and back (the law was wrong), the decision with its outcome, the person informed
    dev.reclassify(Kind.lex_sarah, "other", by="mas", at=at(2), policy=d.DEFAULT_DEADLINES[Kind.lex_sarah],
                   note="Fel lag angavs")
    dev.reclassify(Kind.lex_maria, "wrong_kind_reported", by="mas", at=at(2),
                   policy=d.DEFAULT_DEADLINES[Kind.lex_maria])
    dev.record_informing("mas", at(3), informed_on=date(2026, 3, 2), method="phone", recipient="narstaende",
                         view="Dottern vill att rutinen ses över")
    dev.decide_seriousness(None, "mas", at(3), outcome="allvarlig_vardskada", motivering="Allvarlig skada")
    dev.flag_possible_elsewhere("mas", at(3))
    dev.record_ivo_report(date(2026, 3, 4), "IVO 3.5.1-99999/2026", by="mas")
    dev.complete_investigation("mas", at(4))
    dev.clear_possible_elsewhere("mas", at(4))
    dev.reopen_investigation("mas", at(5))
    dev.complete_investigation("mas", at(6))
    dev.close("mas", at(7), open_action_count=0)
    dev.reopen("mas", at(8))
    dev.complete_investigation("mas", at(9))
    dev.close("mas", at(10), open_action_count=0)
    dev.pseudonymise(at(24 * 366 * 6), d.retention_for(dev.kind))  # gallring, once the retention has ended
    return dev


ISSUE_14_EVENTS = {d.COMPLAINANT_RECORDED, d.COMPLAINT_ANSWERED, d.REPORTER_FEEDBACK_WRITTEN}


def test_every_event_type_is_emitted_in_a_full_lifecycle():
    dev = full_lifecycle()
    # REJECTED: the other end state; the IVO steps after the report: test_ivo_steps_domain.py; issue 14's klagomål
    # and feedback events: test_complaints_domain.py
    # and test_casework.py has the investigator's and the involved unit's
    assert {e.type for e in dev.events} == set(EVENT_PAYLOAD_FIELDS) - {d.REJECTED} - IVO_STEP_EVENTS - ISSUE_14_EVENTS - {
        d.INVESTIGATOR_ASSIGNED, d.INVOLVED_UNIT_CHANGED}
    assert dev.version == 1 + len(dev.events) - 1 + 1  # one bump per event after reporting, plus the text edit
    assert all(e.type.startswith("se.ordning.deviation.") and e.type.endswith(".v1") for e in dev.events)


IVO_STEP_EVENTS = {d.IVO_SUPPLEMENT_REQUESTED, d.IVO_SUPPLEMENT_ANSWERED, d.IVO_DECISION_RECORDED,
                   d.EVENT_ANALYSIS_COMPLETED, d.PROVIDER_IVO_REPORTED, d.PROVIDER_FOLLOWED_UP}


def test_event_payloads_stay_within_allow_list_and_carry_no_free_text_or_personal_data():
    dev = full_lifecycle()
    free_text = {DESCRIPTION, IMMEDIATE, "Fallet skedde vid dusch", "Halkigt golv",
                 "Halkskydd och två i tjänst", "IVO 3.5.1-99999/2026", "user-42", "mas"}
    allowed_scalars = (str, bool, int, type(None))
    for event in dev.events:
        assert set(event.data) <= EVENT_PAYLOAD_FIELDS[event.type], event.type
        assert {"deviation_id", "kind", "unit_id", "version"} <= set(event.data)
        # the flag's events carry the case's identity and their moment only, not where its workflow is
        assert ("status" in event.data) is (event.type not in (d.FLAGGED_POSSIBLE_ELSEWHERE,
                                                               d.CLEARED_POSSIBLE_ELSEWHERE)), event.type
        for key, value in event.data.items():
            assert isinstance(value, allowed_scalars), (event.type, key)
            assert value not in free_text, (event.type, key)
            if isinstance(value, str):
                assert len(value) <= 40 and " " not in value, (event.type, key, value)
        assert not {"description", "immediate_action", "reported_by", "reference", "ivo_reference",
                    "what_happened", "why", "what_must_change", "decided_by", "recorded_by"} & set(event.data)
    ivo = next(e for e in dev.events if e.type == d.IVO_REPORTED)
    assert ivo.data["ivo_reported_on"] == "2026-03-04"


def test_the_process_step_is_published_as_an_id_at_report_and_when_it_changes():
    dev = new(process_step_id="step-1")
    reported = dev.events[0]
    assert reported.type == d.REPORTED and reported.data["process_step_id"] == "step-1"
    assert new().events[0].data["process_step_id"] is None  # no step named: null, not missing
    dev.link_process_step("step-1")  # unchanged: no new version, no event
    assert len(dev.events) == 1 and dev.version == 1
    dev.link_process_step("step-2")
    dev.link_process_step(None)
    dev.link_process_step("  ")  # blank is none: unchanged
    changed = dev.events[1:]
    assert [e.type for e in changed] == [d.PROCESS_STEP_CHANGED] * 2
    assert [(e.data["process_step_id"], e.data["previous_process_step_id"]) for e in changed] == [
        ("step-2", "step-1"), (None, "step-2")]
    assert [(e.sequence, e.data["version"]) for e in changed] == [(2, 2), (3, 3)] and dev.version == 3
    assert {"deviation_id", "kind", "unit_id", "category_id", "status"} <= set(changed[0].data)


def test_recording_an_event_outside_the_allow_list_fails():
    dev = new()
    with pytest.raises(ValueError):
        dev._record(d.RECEIVED, description="hemligt")


# ---------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------

def test_lex_maria_seriousness_is_decided_by_mas_and_mar_only():
    assert may({"mas"}, "decide_seriousness", Kind.lex_maria)
    assert may({"mar"}, "decide_seriousness", Kind.lex_maria)
    assert not may({"enhetschef"}, "decide_seriousness", Kind.lex_maria)
    assert not may({"forvaltningschef", "kvalitetsutvecklare"}, "decide_seriousness", Kind.lex_maria)
    assert may({"mas"}, "record_ivo_report", Kind.lex_maria)
    assert not may({"verksamhetschef"}, "record_ivo_report", Kind.lex_maria)


def test_lex_sarah_seriousness_is_decided_by_managers():
    for role in ("enhetschef", "verksamhetschef", "forvaltningschef"):
        assert may({role}, "decide_seriousness", Kind.lex_sarah)
        assert may({role}, "record_ivo_report", Kind.lex_sarah)
    for role in ("mas", "kvalitetsutvecklare", "medarbetare", "namnd"):
        assert not may({role}, "decide_seriousness", Kind.lex_sarah)
    assert not may({"enhetschef"}, "decide_seriousness", Kind.avvikelse)


def test_reporting_and_handling_permissions():
    for kind in Kind:
        assert may({"medarbetare"}, "report", kind)
        assert not may({"namnd"}, "report", kind)
        assert not may({"region_host"}, "report", kind)
        assert not may({"medarbetare"}, "close", kind)
        assert may({"kvalitetsutvecklare"}, "receive", kind)
    assert may({"mas"}, "close", Kind.lex_maria)
    assert not may({"mas"}, "close", Kind.lex_sarah)
    assert not may({"enhetschef"}, "no_such_command", Kind.avvikelse)
    assert may({"enhetschef"}, Command.close, "avvikelse")


def test_read_permissions():
    assert may_read({"enhetschef"}, Kind.lex_sarah, is_reporter=False)
    assert may_read({"mas"}, Kind.lex_maria, is_reporter=False)
    assert may_read({"mar"}, Kind.avvikelse, is_reporter=False)
    assert not may_read({"mas"}, Kind.lex_sarah, is_reporter=False)
    assert not may_read({"medarbetare"}, Kind.avvikelse, is_reporter=False)
    # issue 14: the reporter reads their case through its feedback view, not whole
    assert not may_read({"medarbetare"}, Kind.avvikelse, is_reporter=True)
    for kind in Kind:
        for roles in ({"namnd"}, {"region_host"}, {"namnd", "region_host"}):
            assert not may_read(roles, kind, is_reporter=False)
            assert not may_read(roles, kind, is_reporter=True)


# ---------------------------------------------------------------------------
# Rejection (avvisat): spam, duplicates, other
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("from_status", [Status.reported, Status.received])
def test_every_kind_may_be_rejected_at_intake_and_stays_rejected(kind, from_status):
    dev = in_status(from_status, kind)
    dev.reject("chef", at(3), reason="duplicate", duplicate_of="2026-000007", open_action_count=0)
    assert dev.status is Status.rejected and d.STATUS_LABELS_SV[dev.status] == "avvisat"
    assert dev.rejection == d.Rejection(d.RejectionReason.duplicate, at(3), duplicate_of="2026-000007")
    assert dev.allowed_commands() == [] and dev.overdue(date(2099, 1, 1)) == []
    with pytest.raises(d.CaseClosed):
        dev.change_category("cat-9")
    event = dev.events[-1]
    assert event.type == d.REJECTED
    assert event.data == {"deviation_id": dev.id, "kind": kind.value, "unit_id": dev.unit_id, "category_id": None,
                          "status": "rejected", "rejected_at": at(3).isoformat(), "rejected_from": from_status.value,
                          "reason": "duplicate", "version": dev.version}
    assert event.sequence == dev.version


def test_an_investigation_is_not_rejected():
    dev = in_status(Status.investigating, Kind.lex_sarah)  # it would bypass the seriousness decision and IVO
    with pytest.raises(IllegalTransition):
        dev.reject("chef", at(3), reason="spam", open_action_count=0)


@pytest.mark.parametrize("reason,duplicate_of,note", [
    ("duplicate", None, None), ("spam", "2026-000001", None), ("other", None, None), ("other", None, "  "),
    ("nonsense", None, None), (None, None, None)])
def test_a_rejection_needs_a_known_reason_and_its_details(reason, duplicate_of, note):
    dev = new()
    with pytest.raises(d.InvalidRejection):
        dev.reject("chef", at(1), reason=reason, duplicate_of=duplicate_of, note=note, open_action_count=0)
    assert dev.status is Status.reported and dev.rejection is None


def test_a_rejection_keeps_its_note_out_of_the_event_and_waits_for_open_actions():
    dev = new()
    with pytest.raises(d.OpenActionsRemain):
        dev.reject("chef", at(1), reason="other", note="Skickat till fel kommun", open_action_count=1)
    dev.reject("chef", at(1), reason="other", note="Skickat till fel kommun", open_action_count=0)
    assert dev.rejection.note == "Skickat till fel kommun"
    assert "Skickat till fel kommun" not in str(dev.events[-1].data) and dev.events[-1].data["reason"] == "other"
