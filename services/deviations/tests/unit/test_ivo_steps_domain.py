"""The IVO steps in the domain (issue 14 items 4 and 5): dates, codes, the calendar-day deadline, the händelseanalys,
an external provider's report and follow-up, closing, overdue and gallring."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import DeadlinePolicy, Deviation, Kind

T0 = datetime(2026, 3, 6, 9, 0, tzinfo=timezone.utc)  # a Friday
TODAY = date(2026, 3, 20)


def serious(kind=Kind.lex_maria, external_provider=False, policy=None) -> Deviation:
    dev = Deviation.report(tenant="0138", kind=kind, unit_id="u1", description="Fel dos", reported_at=T0,
                           reported_by="anna", occurred_at=T0 - timedelta(days=1))
    dev.external_provider = external_provider
    dev.receive("chef", T0)
    dev.start_investigation("chef", T0)
    dev.decide_seriousness(True, "mas", T0, policy=policy)
    return dev


def complete(dev: Deviation) -> None:
    dev.update_investigation("a", "b", "c")
    dev.complete_investigation("chef", T0)


def test_the_ivo_deadline_is_calendar_days_from_the_decision_and_is_cleared_when_not_serious():
    dev = serious()
    assert dev.ivo_due == date(2026, 3, 20)  # 14 calendar days from Friday 6 March, weekends counted
    assert dev.events[-1].data["ivo_due"] == "2026-03-20"
    dev.decide_seriousness(False, "mas", T0 + timedelta(days=2))
    assert dev.ivo_due is None and dev.events[-1].data["ivo_due"] is None
    dev.decide_seriousness(True, "mas", T0 + timedelta(days=3), policy=DeadlinePolicy(Kind.lex_maria, 1, 10, 2))
    assert dev.ivo_due == date(2026, 3, 11)  # reset from the new decision, the tenant's days


def test_the_ivo_report_date_is_neither_before_the_event_nor_in_the_future():
    dev = serious()
    for day in (date(2026, 3, 4), TODAY + timedelta(days=1)):
        with pytest.raises(d.InvalidIvoStep) as refused:
            dev.record_ivo_report(day, "IVO-1", "mas", today=TODAY)
        assert refused.value.extra["errors"]["json"].keys() == {"reported_on"}
    assert dev.ivo_report is None
    dev.record_ivo_report(date(2026, 3, 5), "IVO-1", "mas", today=TODAY)  # the day of the event
    assert dev.ivo_report.reported_on == date(2026, 3, 5)


def test_kompletteringar_and_the_decision_come_after_the_report_with_their_dates_checked():
    dev = serious()
    with pytest.raises(d.IvoStepNotAllowed):
        dev.request_ivo_supplement(TODAY, "Mer", None, today=TODAY)
    dev.record_ivo_report(date(2026, 3, 9), "IVO-1", "mas", today=TODAY)
    for requested, due in ((date(2026, 3, 8), None), (TODAY + timedelta(days=1), None),
                           (date(2026, 3, 10), date(2026, 3, 9))):
        with pytest.raises(d.InvalidIvoStep):
            dev.request_ivo_supplement(requested, "Mer", due, today=TODAY)
    with pytest.raises(d.InvalidIvoStep):
        dev.request_ivo_supplement(date(2026, 3, 10), "  ", None, today=TODAY)
    supplement = dev.request_ivo_supplement(date(2026, 3, 10), "Mer", date(2026, 3, 24), today=TODAY)
    with pytest.raises(d.InvalidIvoStep):
        dev.answer_ivo_supplement(supplement.id, date(2026, 3, 9), today=TODAY)
    with pytest.raises(d.IvoStepNotAllowed):
        dev.answer_ivo_supplement("no-such", date(2026, 3, 12), today=TODAY)
    dev.answer_ivo_supplement(supplement.id, date(2026, 3, 12), today=TODAY)
    assert dev.ivo_supplements[0].answered_on == date(2026, 3, 12)
    with pytest.raises(d.InvalidIvoStep):
        dev.record_ivo_decision(date(2026, 3, 8), "criticism", None, today=TODAY)
    with pytest.raises(d.InvalidIvoStep):
        dev.record_ivo_decision(TODAY, "maybe", None, today=TODAY)
    dev.record_ivo_decision(TODAY, "criticism", " 3.5.1-1 ", today=TODAY)
    assert dev.ivo_decision == d.IvoDecision(TODAY, d.IvoDecisionOutcome.criticism, "3.5.1-1")
    assert [e.data.get("outcome") for e in dev.events if e.type == d.IVO_DECISION_RECORDED] == ["criticism"]


def test_the_handelseanalys_is_lex_marias_and_links_only_the_cases_actions():
    sarah = serious(Kind.lex_sarah)
    with pytest.raises(d.IvoStepNotAllowed):
        sarah.record_event_analysis("handelseanalys", [], [], None, today=TODAY)
    dev = serious()
    cause = {"category": "routines", "text": "Ingen dubbelkontroll", "action_ids": ["a1"]}
    with pytest.raises(d.InvalidIvoStep):
        dev.record_event_analysis("handelseanalys", [], [cause], None, today=TODAY, action_ids=["a2"])
    with pytest.raises(d.InvalidIvoStep):
        dev.record_event_analysis("handelseanalys", [{"role": "ssk", "name": ""}], [], None, today=TODAY)
    with pytest.raises(d.InvalidIvoStep):
        dev.record_event_analysis("handelseanalys", [], [], TODAY, today=TODAY)  # completed needs a cause
    version = dev.version
    dev.record_event_analysis("handelseanalys", [{"role": "ssk", "name": "Sara"}], [cause], None, today=TODAY,
                              action_ids=["a1"])
    assert dev.version == version + 1 and not [e for e in dev.events if e.type == d.EVENT_ANALYSIS_COMPLETED]
    dev.record_event_analysis("rotorsaksanalys", [{"role": "ssk", "name": "Sara"}], [cause], TODAY, today=TODAY,
                              action_ids=["a1"])
    [completed] = [e for e in dev.events if e.type == d.EVENT_ANALYSIS_COMPLETED]
    assert completed.data["method"] == "rotorsaksanalys" and completed.data["root_cause_categories"] == ["routines"]
    assert completed.data["linked_action_count"] == 1 and "Sara" not in str(completed.data)


def test_an_external_providers_serious_case_closes_on_the_follow_up_without_a_municipal_report():
    dev = serious(external_provider=True)
    with pytest.raises(d.IvoReportByProvider):
        dev.record_ivo_report(TODAY, "IVO-1", "mas", today=TODAY)
    complete(dev)
    with pytest.raises(d.ProviderFollowUpRequired):
        dev.close("chef", T0, open_action_count=0)
    assert d.ProviderFollowUpRequired.code in {b.code for b in dev.command_options()[1]}
    with pytest.raises(d.IvoStepNotAllowed):
        dev.follow_up_provider_report(TODAY, "mas", "Bra", "sufficient", today=TODAY)
    assert dev.overdue(date(2026, 3, 21)) == [d.OVERDUE_IVO_REPORT]
    dev.record_provider_report(date(2026, 3, 10), None, today=TODAY)
    assert dev.overdue(date(2026, 3, 21)) == []  # the provider reported: nothing overdue for IVO
    with pytest.raises(d.InvalidIvoStep):
        dev.follow_up_provider_report(date(2026, 3, 9), "mas", "Bra", "sufficient", today=TODAY)
    with pytest.raises(d.InvalidIvoStep):
        dev.follow_up_provider_report(TODAY, "mas", "Bra", "perfect", today=TODAY)
    dev.follow_up_provider_report(TODAY, "mas", "Bra", "sufficient", today=TODAY)
    dev.close("chef", T0, open_action_count=0)
    assert dev.status is d.Status.closed and dev.ivo_report is None


def test_a_municipal_unit_records_no_provider_report():
    dev = serious()
    with pytest.raises(d.IvoStepNotAllowed):
        dev.record_provider_report(TODAY, None, today=TODAY)


def test_gallring_removes_the_ivo_steps_text_and_people_and_keeps_codes_and_dates():
    dev = serious(external_provider=True)
    dev.record_provider_report(date(2026, 3, 10), "P-1", today=TODAY)
    dev.follow_up_provider_report(TODAY, "mas", "Bra", "sufficient", today=TODAY)
    dev.record_event_analysis("handelseanalys", [{"role": "ssk", "name": "Sara"}],
                              [{"category": "routines", "text": "Orsak"}], TODAY, today=TODAY)
    complete(dev)
    dev.close("chef", T0, open_action_count=0)
    dev.pseudonymise(T0 + timedelta(days=366 * 6), d.retention_for(dev.kind))
    assert dev.event_analysis.participants == () and dev.event_analysis.root_causes[0].text == d.PSEUDONYMISED_TEXT
    assert dev.event_analysis.root_causes[0].category is d.RootCauseCategory.routines
    assert dev.provider_follow_up.by is None and dev.provider_follow_up.assessment == d.PSEUDONYMISED_TEXT
    assert dev.provider_follow_up.outcome is d.FollowUpOutcome.sufficient
    assert dev.provider_report.reported_on == date(2026, 3, 10) and dev.provider_report.reference != "P-1"
