"""Deadlines, pure: the working days a reminder and an escalation wait for around Swedish holidays (midsommar, jul,
påsk), the state machine of a deadline, and a subject's facts converging whatever order its events arrive in."""
from __future__ import annotations

from datetime import date
from itertools import permutations

import pytest
from ordning_shared.problems import InvalidSetting
from ordning_shared.workdays import WorkingCalendar

from ordning_notify import deadlines as dl

CASE = "3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"
UNIT, OTHER_UNIT = "u-1", "u-2"
KEY = {"tenant": "t", "subject_type": "deviation", "subject_id": CASE, "link": f"/arenden/{CASE}"}


# --------------------------------------------------------------------------
# Working days around the holidays
# --------------------------------------------------------------------------

@pytest.mark.parametrize("reminded_on, grace, escalated_on", [
    # midsommar 2026: midsommarafton Fri 19 June (a day off by default), midsommardagen Sat 20
    (date(2026, 6, 17), 2, date(2026, 6, 23)),  # Wed: Thu 18 and Mon 22 are the grace, Tue 23 escalates
    (date(2026, 6, 18), 0, date(2026, 6, 22)),  # Thu: the next working day is Monday, past the eve
    # jul 2026: julafton Thu 24, juldagen Fri 25, annandag jul Sat 26; nyårsafton Thu 31, nyårsdagen Fri 1 Jan
    (date(2026, 12, 23), 2, date(2026, 12, 30)),  # Mon 28 and Tue 29 are the grace
    (date(2026, 12, 29), 2, date(2027, 1, 5)),  # Wed 30, Mon 4 Jan; trettondagsafton Tue 5 is a working day
    (date(2027, 1, 4), 1, date(2027, 1, 7)),  # Tue 5, then trettondedag jul Wed 6 is off
    # påsk 2026: långfredag 3 April, annandag påsk Mon 6 April; skärtorsdag Thu 2 is a working day by default
    (date(2026, 4, 1), 2, date(2026, 4, 8)),  # Thu 2 and Tue 7 are the grace
    (date(2026, 4, 2), 0, date(2026, 4, 7)),
    # an ordinary week: Mon, then Tue and Wed, escalated Thursday
    (date(2026, 9, 14), 2, date(2026, 9, 17)),
])
def test_an_escalation_waits_the_grace_periods_full_working_days_after_the_reminder(reminded_on, grace,
                                                                                    escalated_on):
    assert dl.escalation_day(reminded_on, dl.DeadlineSettings(grace_working_days=grace)) == escalated_on


def test_a_tenant_that_works_on_the_eves_escalates_on_them():
    works_on_eves = WorkingCalendar(non_working_eves=frozenset())
    settings = dl.DeadlineSettings(grace_working_days=0)
    assert dl.escalation_day(date(2026, 12, 23), settings, works_on_eves) == date(2026, 12, 24)
    assert dl.escalation_day(date(2026, 6, 18), settings, works_on_eves) == date(2026, 6, 19)


@pytest.mark.parametrize("due_on, lead_days, reminded_on", [
    (date(2027, 3, 1), 10, date(2027, 2, 15)),  # Monday 1 March: two working weeks before
    (date(2026, 3, 1), 10, date(2026, 2, 16)),  # a Sunday: counted back from it, its Friday is the first
    (date(2026, 3, 1), 0, date(2026, 3, 1)),
])
def test_the_patient_safety_report_is_reminded_working_days_before_1_march(due_on, lead_days, reminded_on):
    settings = dl.DeadlineSettings(patient_safety_lead_days=lead_days)
    assert dl.reminder_day(dl.PATIENT_SAFETY_REPORT, due_on, settings) == reminded_on


def test_the_next_patient_safety_report_is_this_years_until_1_march_has_passed():
    assert dl.patient_safety_due(date(2026, 11, 24)) == date(2027, 3, 1)
    assert dl.patient_safety_due(date(2027, 3, 1)) == date(2027, 3, 1)
    assert dl.patient_safety_due(date(2027, 3, 2)) == date(2028, 3, 1)


def test_a_deadline_is_reminded_the_day_after_its_due_date_even_at_a_weekend():
    assert dl.reminder_day(dl.RECEIPT, date(2026, 6, 19)) == date(2026, 6, 20)


# --------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------

def wanted(due_on=date(2026, 5, 13), in_force=True, kind=dl.RECEIPT, unit=UNIT, **parts) -> dl.Wanted:
    return dl.Wanted(kind, in_force, due_on, unit, **parts)


def test_a_deadline_runs_pending_reminded_escalated_each_stage_once():
    deadline = dl.reconcile(None, wanted(), **KEY)
    assert (deadline.state, deadline.round, deadline.next_fire_on) == (dl.PENDING, 1, date(2026, 5, 14))
    assert dl.next_stage(deadline, date(2026, 5, 13)) is None  # its last day: not yet
    assert dl.next_stage(deadline, date(2026, 5, 14)) == dl.REMINDER
    reminded = dl.fired(deadline, dl.REMINDER, date(2026, 5, 14))
    # Kristi himmelsfärd Thu 14 May 2026 is the reminder's day; Fri 15 and Mon 18 the grace
    assert (reminded.state, reminded.reminded_on, reminded.next_fire_on) == (dl.REMINDED, date(2026, 5, 14),
                                                                             date(2026, 5, 19))
    assert dl.next_stage(reminded, date(2026, 5, 18)) is None
    assert dl.next_stage(reminded, date(2026, 5, 19)) == dl.ESCALATION
    escalated = dl.fired(reminded, dl.ESCALATION, date(2026, 5, 19))
    assert (escalated.state, escalated.escalated_on, escalated.next_fire_on) == (dl.ESCALATED, date(2026, 5, 19),
                                                                                 None)
    assert dl.next_stage(escalated, date(2027, 1, 1)) is None
    assert dl.notice_event_id(escalated, dl.ESCALATION) == f"deadline:{escalated.id}:escalation-1"


def test_the_same_facts_again_change_nothing_but_whose_and_where_it_is():
    deadline = dl.fired(dl.reconcile(None, wanted(), **KEY), dl.REMINDER, date(2026, 5, 14))
    assert dl.reconcile(deadline, wanted(), **KEY) == deadline
    moved = dl.reconcile(deadline, wanted(unit=OTHER_UNIT), **KEY)
    assert moved.unit_id == OTHER_UNIT and (moved.state, moved.round) == (dl.REMINDED, 1)


def test_a_cleared_deadline_is_cleared_once_and_fires_nothing():
    deadline = dl.reconcile(None, wanted(), **KEY)
    cleared = dl.reconcile(deadline, wanted(in_force=False), **KEY)
    assert (cleared.state, cleared.next_fire_on) == (dl.CLEARED, None)
    assert dl.reconcile(cleared, wanted(in_force=False), **KEY) == cleared
    assert dl.next_stage(cleared, date(2030, 1, 1)) is None
    assert dl.reconcile(None, wanted(in_force=False), **KEY) is None  # never armed: nothing to keep


def test_a_new_due_date_or_an_opening_again_is_a_new_round_with_new_notices():
    reminded = dl.fired(dl.reconcile(None, wanted(kind=dl.ACTION), **KEY), dl.REMINDER, date(2026, 5, 14))
    moved = dl.reconcile(reminded, wanted(due_on=date(2026, 6, 1), kind=dl.ACTION), **KEY)
    assert (moved.state, moved.round, moved.due_on, moved.next_fire_on, moved.reminded_on) == (
        dl.PENDING, 2, date(2026, 6, 1), date(2026, 6, 2), None)
    assert dl.notice_event_id(moved, dl.REMINDER) != dl.notice_event_id(reminded, dl.REMINDER)
    done = dl.reconcile(moved, wanted(due_on=date(2026, 6, 1), kind=dl.ACTION, in_force=False), **KEY)
    reopened = dl.reconcile(done, wanted(due_on=date(2026, 6, 1), kind=dl.ACTION), **KEY)
    assert (reopened.state, reopened.round, reopened.next_fire_on) == (dl.PENDING, 3, date(2026, 6, 2))


def test_a_deadline_without_a_known_due_date_is_not_armed():
    assert dl.reconcile(None, wanted(due_on=None), **KEY) is None


PSB_KEY = {**KEY, "subject_type": dl.PATIENT_SAFETY_SUBJECT, "subject_id": "2027", "link": "/arsberattelser"}


def test_the_patient_safety_report_is_reminded_before_1_march_and_escalates_after_the_grace_period_after_it():
    deadline = dl.reconcile(None, dl.patient_safety_wanted(date(2027, 3, 1)), **PSB_KEY)
    assert deadline.next_fire_on == date(2027, 2, 15)
    reminded = dl.fired(deadline, dl.REMINDER, date(2027, 2, 15))
    # not two working days after the reminder (it came before 1 March), but after 1 March's grace: Thursday 4 March
    assert (reminded.state, reminded.next_fire_on) == (dl.REMINDED, date(2027, 3, 4))
    assert dl.next_stage(reminded, date(2027, 3, 3)) is None
    assert dl.next_stage(reminded, date(2027, 3, 4)) == dl.ESCALATION
    longer = dl.DeadlineSettings(grace_working_days=5)
    assert dl.rescheduled(reminded, longer).next_fire_on == date(2027, 3, 9)
    # reminded late (a lead time of 0: on 1 March itself), the grace period counts from the reminder
    late = dl.fired(deadline, dl.REMINDER, date(2027, 3, 3))
    assert late.next_fire_on == date(2027, 3, 8)


def _finished(kind: str, year: int, report_id: str = "r1") -> dict:
    return {"report_id": report_id, "kind": kind, "scope_type": "municipality", "unit_id": None, "year": year,
            "finished_at": "2027-02-03T09:00:00+00:00", "version": 4}


def test_a_finished_patient_safety_report_clears_the_deadline_of_1_march_the_year_after():
    data = _finished("patient_safety_report", 2026)
    assert dl.subject_of_event(dl.REPORT_FINISHED, data) == (dl.PATIENT_SAFETY_SUBJECT, "2027")
    subject = dl.Subject(tenant="0138", type=dl.PATIENT_SAFETY_SUBJECT, id="2027")
    [open_one] = dl.wanted_deadlines(subject)
    assert (open_one.kind, open_one.armed, open_one.due_on) == (dl.PATIENT_SAFETY_REPORT, True, date(2027, 3, 1))
    finished = dl.apply_event(subject, dl.REPORT_FINISHED, data)
    assert finished.facts == {"finished": True}
    assert dl.apply_event(finished, dl.REPORT_FINISHED, _finished("patient_safety_report", 2026, "r2")) == finished
    [done] = dl.wanted_deadlines(finished)
    assert not done.armed
    reminded = dl.fired(dl.reconcile(None, open_one, **PSB_KEY), dl.REMINDER, date(2027, 2, 15))
    cleared = dl.reconcile(reminded, done, **PSB_KEY)
    assert (cleared.state, cleared.next_fire_on) == (dl.CLEARED, None)
    assert dl.reconcile(None, done, **PSB_KEY) is None  # finished before its deadline was made: none is


@pytest.mark.parametrize("data", [
    _finished("quality_report", 2026),  # a kvalitetsberättelse has no deadline of notify's
    {**_finished("patient_safety_report", 2026), "year": "2026"},
    {**_finished("patient_safety_report", 2026), "year": None},
    {**_finished("patient_safety_report", 2026), "year": True},
])
def test_other_finished_reports_are_not_followed(data):
    assert dl.subject_of_event(dl.REPORT_FINISHED, data) is None


def test_new_settings_move_the_days_still_to_come():
    pending = dl.reconcile(None, wanted(), **KEY)
    reminded = dl.fired(pending, dl.REMINDER, date(2026, 9, 14))
    longer = dl.DeadlineSettings(grace_working_days=5)
    assert dl.rescheduled(reminded, longer).next_fire_on == date(2026, 9, 22)
    assert dl.rescheduled(pending, longer) == pending  # its reminder does not wait for a grace period
    escalated = dl.fired(reminded, dl.ESCALATION, date(2026, 9, 17))
    assert dl.rescheduled(escalated, longer) == escalated


@pytest.mark.parametrize("fields", [
    {"grace_working_days": -1}, {"grace_working_days": 31}, {"grace_working_days": True},
    {"grace_working_days": "2"}, {"patient_safety_lead_days": 61}, {"patient_safety_roles": ()},
    {"patient_safety_roles": ("medarbetare",)},
])
def test_settings_out_of_bounds_are_refused(fields):
    with pytest.raises(InvalidSetting) as error:
        dl.DeadlineSettings(**fields)
    assert len(error.value.args) == 2  # a Swedish sentence, then the English one


# --------------------------------------------------------------------------
# Facts from events, in any order
# --------------------------------------------------------------------------

def deviation_event(what, version, status, **data):
    return (f"se.ordning.deviation.{what}.v1", {"deviation_id": CASE, "kind": "lex_sarah", "unit_id": UNIT,
                                                "status": status, "version": version, **data})


REPORTED = deviation_event("reported", 1, "reported", receipt_due="2026-05-13", investigation_due="2026-05-26",
                           ivo_due="2026-05-26")
RECEIVED = deviation_event("received", 2, "received")
STARTED = deviation_event("investigation_started", 3, "investigating")
SERIOUS = deviation_event("seriousness_decided", 4, "investigating", serious=True, revised=False)
MOVED = deviation_event("unit_changed", 5, "investigating", unit_id=OTHER_UNIT, previous_unit_id=UNIT)


def facts_after(events, subject_type="deviation", subject_id=CASE) -> dl.Subject:
    subject = dl.Subject("t", subject_type, subject_id)
    for event_type, data in events:
        subject = dl.apply_event(subject, event_type, data)
    return subject


def open_deadlines(subject) -> dict:
    return {w.kind: (w.due_on, w.unit_id, w.responsible_role) for w in dl.wanted_deadlines(subject) if w.armed}


def test_a_deviations_deadlines_follow_its_case():
    assert open_deadlines(facts_after([REPORTED])) == {
        dl.RECEIPT: (date(2026, 5, 13), UNIT, "enhetschef"), dl.INVESTIGATION: (date(2026, 5, 26), UNIT, "enhetschef")}
    assert set(open_deadlines(facts_after([REPORTED, RECEIVED]))) == {dl.INVESTIGATION}
    assert open_deadlines(facts_after([REPORTED, RECEIVED, STARTED, SERIOUS, MOVED])) == {
        dl.INVESTIGATION: (date(2026, 5, 26), OTHER_UNIT, "enhetschef"),
        dl.IVO_REPORT: (date(2026, 5, 26), OTHER_UNIT, "enhetschef")}
    completed = deviation_event("investigation_completed", 6, "investigated")
    ivo = deviation_event("ivo_reported", 7, "investigated", ivo_reported_on="2026-05-20")
    assert open_deadlines(facts_after([REPORTED, RECEIVED, STARTED, SERIOUS, completed, ivo])) == {}
    reopened = deviation_event("reopened", 9, "investigating", reopened_from="closed")
    closed = deviation_event("closed", 8, "closed", serious=True, closed_from="investigated")
    after_reopening = facts_after([REPORTED, RECEIVED, STARTED, SERIOUS, completed, ivo, closed, reopened])
    assert set(open_deadlines(after_reopening)) == {dl.INVESTIGATION}  # investigated again; IVO knows already


def test_a_lex_maria_cases_ivo_report_is_the_mas_s_and_a_case_decided_not_serious_has_none():
    maria = [(t, {**data, "kind": "lex_maria"}) for t, data in (REPORTED, RECEIVED, STARTED, SERIOUS)]
    assert open_deadlines(facts_after(maria))[dl.IVO_REPORT][2] == "mas"
    revised = deviation_event("seriousness_decided", 6, "investigating", serious=False, revised=True)
    assert dl.IVO_REPORT not in open_deadlines(facts_after([REPORTED, RECEIVED, STARTED, SERIOUS, revised]))


def test_a_rejected_case_has_no_deadline():
    rejected = deviation_event("rejected", 2, "rejected", reason="spam", rejected_from="reported")
    assert open_deadlines(facts_after([REPORTED, rejected])) == {}


@pytest.mark.parametrize("order", list(permutations(range(5))))
def test_a_cases_events_in_any_order_give_the_same_deadlines(order):
    events = [REPORTED, RECEIVED, STARTED, SERIOUS, MOVED]
    in_order = facts_after(events)
    shuffled = facts_after([events[i] for i in order])
    assert shuffled.facts == in_order.facts and shuffled.version == in_order.version
    # and a redelivery of any of them changes nothing
    assert facts_after([events[i] for i in order] + [events[order[0]]]) == shuffled


ACTION_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"


def action_event(what, version, status, due_date, owner_id="anna"):
    return (f"se.ordning.action.{what}.v1", {
        "action_id": ACTION_ID, "origin_type": "deviation", "origin_id": CASE, "unit_id": UNIT, "status": status,
        "due_date": due_date, "completed_at": None, "effect_followed_up": False, "owner_id": owner_id,
        "version": version})


ACTION_EVENTS = [action_event("created", 1, "planned", "2026-06-01"),
                 action_event("rescheduled", 2, "planned", "2026-06-15"),
                 action_event("completed", 3, "done", "2026-06-15"),
                 action_event("reopened", 4, "in_progress", "2026-06-15")]


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_an_actions_newest_event_decides_its_deadline_in_any_order(order):
    subject = facts_after([ACTION_EVENTS[i] for i in order], "action", ACTION_ID)
    assert open_deadlines(subject) == {dl.ACTION: (date(2026, 6, 15), UNIT, None)}
    assert dl.wanted_deadlines(subject)[0].owner_id == "anna"
    assert dl.link_of("action", ACTION_ID, subject.facts) == f"/arenden/{CASE}"


def test_an_action_without_a_user_for_owner_is_the_chiefs_and_a_done_one_is_nobodys():
    subject = facts_after([action_event("created", 1, "planned", "2026-06-01", owner_id=None)], "action", ACTION_ID)
    assert open_deadlines(subject) == {dl.ACTION: (date(2026, 6, 1), UNIT, "enhetschef")}
    assert open_deadlines(facts_after(ACTION_EVENTS[:3], "action", ACTION_ID)) == {}


DOCUMENT_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def document_event(what, revision, version, **data):
    return (f"se.ordning.document.{what}.v1", {"document_id": DOCUMENT_ID, "revision": revision, "kind": "rutin",
                                               "owner_unit_id": UNIT, "version": version, **data})


DOCUMENT_EVENTS = [
    document_event("version_established", 2, 1, review_date="2027-01-31", established_on="2026-01-31",
                   unit_ids=[], step_ids=[], superseded_version=None),
    document_event("review_due", 4, 1, review_date="2027-01-31"),
    document_event("version_established", 6, 2, review_date="2028-02-15", established_on="2027-02-15",
                   unit_ids=[], step_ids=[], superseded_version=1),
    document_event("version_superseded", 7, 1, superseded_by_version=2, superseded_on="2027-02-15"),
]


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_a_documents_review_date_is_its_newest_versions_in_any_order(order):
    subject = facts_after([DOCUMENT_EVENTS[i] for i in order], "document", DOCUMENT_ID)
    assert open_deadlines(subject) == {dl.DOCUMENT_REVIEW: (date(2028, 2, 15), UNIT, "enhetschef")}


def test_a_document_whose_version_is_superseded_with_no_successor_known_has_no_review_deadline():
    subject = facts_after([DOCUMENT_EVENTS[0], document_event("version_superseded", 3, 1, superseded_by_version=2,
                                                              superseded_on="2027-01-02")], "document", DOCUMENT_ID)
    assert open_deadlines(subject) == {}


def test_events_deadlines_do_not_follow_are_not_theirs():
    assert dl.subject_of_event("se.ordning.risk.risk_scored.v1", {"risk_id": "r"}) is None
    assert dl.subject_of_event("se.ordning.deviation.reported.v1", {"deviation_id": 7}) is None
    assert dl.subject_of_event("se.ordning.action.created.v1", {"action_id": ACTION_ID}) == ("action", ACTION_ID)


# --------------------------------------------------------------------------
# One level up
# --------------------------------------------------------------------------

CHAIN = ["e1", "v", "f", "n"]
HOLDERS = {"e1": {"enhetschef": ["erik"]}, "v": {"verksamhetschef": ["vera"]},
           "f": {"forvaltningschef": ["frida"], "mas": ["maja"]}}


def test_one_level_up_is_the_nearest_chief_above_the_one_responsible():
    assert dl.level_above(CHAIN, HOLDERS, dl.escalation_roles("enhetschef")) == ["vera"]
    assert dl.level_above(CHAIN, HOLDERS, dl.escalation_roles("mas")) == ["frida"]
    assert dl.level_above(CHAIN, HOLDERS, dl.escalation_roles(None)) == ["erik"]  # an owner: the unit's chief
    # the owner is the unit's chief himself: the level above him
    assert dl.level_above(CHAIN, HOLDERS, dl.escalation_roles(None), exclude=frozenset({"erik"})) == ["vera"]
    # no verksamhetsområde chief: the förvaltningschef
    assert dl.level_above(CHAIN, {**HOLDERS, "v": {}}, dl.escalation_roles("enhetschef")) == ["frida"]
    assert dl.level_above(CHAIN, {}, dl.escalation_roles("enhetschef")) == []


DECIDED = deviation_event("seriousness_decided", 4, "investigating", serious=True, revised=False, ivo_due="2026-05-18")
UNDECIDED_REPORT = deviation_event("reported", 1, "reported", receipt_due="2026-05-13",
                                   investigation_due="2026-05-26", ivo_due=None)


@pytest.mark.parametrize("order", list(permutations(range(4))))
def test_the_ivo_due_date_is_the_seriousness_decisions_in_any_order(order):
    """Issue 14: the IVO report is due calendar days from the decision, which the decision's event carries."""
    events = [UNDECIDED_REPORT, RECEIVED, STARTED, DECIDED]
    subject = facts_after([events[i] for i in order])
    assert open_deadlines(subject)[dl.IVO_REPORT][0] == date(2026, 5, 18)
    again = deviation_event("seriousness_decided", 6, "investigating", serious=True, revised=True,
                            ivo_due="2026-05-25")
    older = deviation_event("seriousness_decided", 5, "investigating", serious=True, revised=True,
                            ivo_due="2026-05-20")
    assert open_deadlines(facts_after([events[i] for i in order] + [again, older]))[dl.IVO_REPORT][0] == date(2026, 5, 25)
