"""Every refusal of the deviations domain, with its exact Swedish and English sentences (the API shows them)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import DeadlinePolicy, Deviation, Kind, WorkingCalendar

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def new(kind=Kind.avvikelse, **kwargs) -> Deviation:
    args = dict(tenant="0138", kind=kind, unit_id="u1", description="x", reported_at=T0, reported_by="s")
    args.update(kwargs)
    return Deviation.report(**args)


def investigating(kind: Kind) -> Deviation:
    dev = new(kind)
    dev.receive("h", T0)
    dev.start_investigation("h", T0)
    return dev


def investigated_lex(serious: bool | None) -> Deviation:
    dev = investigating(Kind.lex_sarah)
    if serious is not None:
        dev.decide_seriousness(serious, "m", T0)
    dev.update_investigation("a", "b", "c")
    dev.complete_investigation("h", T0)
    return dev


def closed_lex() -> Deviation:
    dev = investigated_lex(False)
    dev.close("h", T0, 0)
    return dev


def serious() -> Deviation:
    dev = investigating(Kind.lex_sarah)
    dev.decide_seriousness(True, "m", T0)
    return dev


def reported_serious() -> Deviation:
    dev = serious()
    dev.record_ivo_report(date(2026, 3, 3), "IVO-1")
    return dev


SCENARIOS = {  # name -> what is tried
    "unknown kind": lambda: new(kind="olycka"),
    "no tenant": lambda: new(tenant=" "),
    "no unit": lambda: new(unit_id=""),
    "no description": lambda: new(description="  "),
    "citizen avvikelse": lambda: new(origin="citizen", reported_by=None),
    "staff without reporter": lambda: new(reported_by=None),
    "occurred after": lambda: new(occurred_at=T0 + timedelta(seconds=1)),
    "mixed zones": lambda: new(occurred_at=datetime(2026, 3, 2, 8, 0)),
    "incomplete": lambda: investigating(Kind.avvikelse).complete_investigation("h", T0),
    "not editable": lambda: new().update_investigation(why="x"),
    "seriousness not lex": lambda: investigating(Kind.avvikelse).decide_seriousness(True, "m", T0),
    "seriousness too early": lambda: new(Kind.lex_sarah).decide_seriousness(True, "m", T0),
    "seriousness not bool": lambda: investigating(Kind.lex_sarah).decide_seriousness("ja", "m", T0),
    "no decider": lambda: investigating(Kind.lex_sarah).decide_seriousness(True, " ", T0),
    "already at IVO": lambda: reported_serious().decide_seriousness(False, "m", T0),
    "IVO not lex": lambda: investigating(Kind.avvikelse).record_ivo_report(date(2026, 3, 3), "R"),
    "IVO not serious": lambda: investigating(Kind.lex_sarah).record_ivo_report(date(2026, 3, 3), "R"),
    "IVO date": lambda: serious().record_ivo_report(T0, "R"),
    "IVO reference": lambda: serious().record_ivo_report(date(2026, 3, 3), " "),
    "close undecided": lambda: investigated_lex(None).close("h", T0, 0),
    "close serious unreported": lambda: investigated_lex(True).close("h", T0, 0),
    "close negative": lambda: investigated_lex(False).close("h", T0, -1),
    "close open actions": lambda: investigated_lex(False).close("h", T0, 2),
    "closed": lambda: closed_lex().change_category("c"),
    "no unit to move to": lambda: new().reassign_unit(" "),
}


EXPLANATIONS = [
    ('unknown kind', d.InvalidReport,
     ('Okänd typ eller okänt ursprung.',
      "The kind or origin is unknown: 'olycka' is not a valid Kind.")),
    ('no tenant', d.InvalidReport,
     ('Kommun saknas.',
      'The tenant is required.')),
    ('no unit', d.InvalidReport,
     ('Enhet saknas.',
      'The unit is required.')),
    ('no description', d.InvalidReport,
     ('Beskrivning saknas.',
      'The description is required.')),
    ('citizen avvikelse', d.InvalidReport,
     ('En medborgare kan bara lämna klagomål eller synpunkter, inte avvikelse.',
      'A citizen may only report klagomal or synpunkt, not avvikelse.')),
    ('staff without reporter', d.InvalidReport,
     ('Anmälare saknas.',
      'A staff report needs its reporter.')),
    ('occurred after', d.InvalidReport,
     ('Händelsen kan inte ha inträffat efter anmälan.',
      'The event cannot have occurred after it was reported.')),
    ('mixed zones', d.InvalidInput,
     ('Tiderna occurred_at och reported_at måste båda ha en tidszon, eller ingen av dem.',
      'The times occurred_at and reported_at must both have an offset, or neither.')),
    ('incomplete', d.InvestigationIncomplete,
     ('Utredningen saknar what_happened, why, what_must_change.',
      'The investigation lacks what_happened, why, what_must_change.')),
    ('not editable', d.InvestigationNotEditable,
     ('Utredningen kan bara ändras under utredning, och ärendet är anmält.',
      'The investigation can only be edited while investigating; the status is reported.')),
    ('seriousness not lex', d.SeriousnessNotApplicable,
     ('Allvarlighetsbedömning gäller bara lex Sarah och lex Maria, inte avvikelse.',
      'A seriousness decision applies only to lex Sarah and lex Maria, not avvikelse.')),
    ('seriousness too early', d.SeriousnessDecisionTooEarly,
     ('Allvarlighetsgraden kan beslutas först när utredningen har startat, och ärendet är anmält.',
      'Seriousness can be decided only once the investigation has started; the status is reported.')),
    ('seriousness not bool', d.InvalidInput,
     ('Fältet serious måste vara sant eller falskt.',
      'The field serious must be true or false.')),
    ('no decider', d.InvalidInput,
     ('Beslutsfattare saknas.',
      'The decider (decided_by) is required.')),
    ('already at IVO', d.IvoAlreadyReported,
     ('Ärendet är redan anmält till IVO och kan inte bedömas som ej allvarligt.',
      'The case is already reported to IVO and cannot be decided not serious.')),
    ('IVO not lex', d.IvoReportNotAllowed,
     ('Bara lex Sarah och lex Maria anmäls till IVO, inte avvikelse.',
      'Only lex Sarah and lex Maria cases are reported to IVO, not avvikelse.')),
    ('IVO not serious', d.IvoReportNotAllowed,
     ('Bara ett ärende som bedömts som allvarligt anmäls till IVO.',
      'Only a case decided serious is reported to IVO.')),
    ('IVO date', d.InvalidInput,
     ('Fältet reported_on måste vara ett datum.',
      'The field reported_on must be a date.')),
    ('IVO reference', d.InvalidInput,
     ('IVO:s diarienummer saknas.',
      'The IVO reference is required.')),
    ('close undecided', d.SeriousnessDecisionRequired,
     ('Beslut om allvarlighetsgrad krävs innan ärendet avslutas.',
      'A seriousness decision is required before closing.')),
    ('close serious unreported', d.IvoReportRequired,
     ('Ett allvarligt ärende måste anmälas till IVO innan det avslutas.',
      'A serious case must be reported to IVO before closing.')),
    ('close negative', d.InvalidInput,
     ('Antalet öppna åtgärder kan inte vara negativt.',
      'The count of open actions cannot be negative.')),
    ('close open actions', d.OpenActionsRemain,
     ('Ärendet har 2 förbättringsåtgärd(er) som inte är klara eller avbrutna.',
      'The case has 2 improvement action(s) neither done nor cancelled.')),
    ('closed', d.CaseClosed,
     ('Ärendet är avslutat; återöppna det först.',
      'The case is closed; reopen it first.')),
    ('no unit to move to', d.InvalidInput,
     ('Enhet saknas.',
      'The unit is required.')),
]


@pytest.mark.parametrize("scenario,error,message", EXPLANATIONS)
def test_each_refusal_is_explained(scenario, error, message):
    with pytest.raises(error) as err:
        SCENARIOS[scenario]()
    assert type(err.value) is error and (err.value.sv, err.value.en) == message
    assert err.value.message == " ".join(message)  # the detail: the Swedish sentence, then the English one


def test_every_scenario_is_stated():
    assert [row[0] for row in EXPLANATIONS] == list(SCENARIOS)


def test_programming_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="^deadline policy for klagomal given for a avvikelse$"):
        new(policy=d.DEFAULT_DEADLINES[Kind.klagomal])
    with pytest.raises(ValueError, match="The field receipt_days must be a non-negative integer[.]"):
        DeadlinePolicy(Kind.avvikelse, -1, 0)
    with pytest.raises(ValueError, match="The field ivo_report_days must be a non-negative integer for lex Sarah "
                                         "and lex Maria[.]"):
        DeadlinePolicy(Kind.lex_maria, 0, 0)
    with pytest.raises(ValueError, match="The field ivo_report_days applies only to lex Sarah and lex Maria[.]"):
        DeadlinePolicy(Kind.avvikelse, 0, 0, 0)
    with pytest.raises(ValueError, match="^n must be >= 0$"):
        d.add_working_days(date(2026, 1, 1), -1)
    with pytest.raises(ValueError) as err:
        WorkingCalendar(non_working_eves={"valborg"})
    assert err.value.args[1] == f"Unknown non-working eves: valborg; known are {', '.join(sorted(d.EVES))}."


def test_a_policy_and_a_calendar_are_values():
    policy = DeadlinePolicy("lex_sarah", 1, 2, 3)
    assert policy.kind is Kind.lex_sarah and DeadlinePolicy(Kind.avvikelse, 1, 2).ivo_report_days is None
    with pytest.raises(AttributeError):
        policy.receipt_days = 5
    calendar = WorkingCalendar(non_working_eves={"julafton"}, extra_days_off={date(2026, 3, 3)})  # plain sets
    assert calendar == WorkingCalendar(frozenset({"julafton"}), frozenset({date(2026, 3, 3)}))
    assert hash(calendar) and calendar.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)


def test_a_day_with_two_holidays_carries_both_names():
    assert d.public_holidays(2049)[date(2049, 6, 6)] == "Nationaldagen; Pingstdagen"


def test_a_case_read_back_from_its_fields_has_the_defaults_of_a_new_one():
    dev = Deviation(id="x1", tenant="0138", kind=Kind.avvikelse, status=d.Status.reported, unit_id="u1",
                    description="x", reported_at=T0)
    assert dev.origin is d.Origin.staff and dev.version == 1 and dev.events == []
    assert (dev.reported_by, dev.category_id, dev.occurred_at, dev.immediate_action, dev.received_at,
            dev.receipt_due, dev.investigation_due, dev.ivo_due, dev.seriousness, dev.ivo_report,
            dev.closed_at) == (None,) * 11
    assert (dev.investigation.what_happened, dev.investigation.why, dev.investigation.what_must_change,
            dev.investigation.started_at, dev.investigation.completed_at) == (None,) * 5
    assert d.IvoReport(reported_on=date(2026, 3, 3), reference="IVO-1").recorded_by is None
    same = Deviation(id="x1", tenant="0138", kind=Kind.lex_sarah, status=d.Status.closed, unit_id="u2",
                     description="y", reported_at=T0)
    assert dev == same and hash(dev) == hash(same) and dev != new() and dev != "x1"


def test_starting_the_investigation_records_when():
    dev = new()
    dev.receive("h", T0)
    dev.start_investigation("h", T0 + timedelta(hours=1))
    assert dev.investigation.started_at == T0 + timedelta(hours=1)
    assert dev.events[-1].data["started_at"] == (T0 + timedelta(hours=1)).isoformat()


def test_the_parts_of_a_case_are_values():
    seriousness = d.Seriousness(serious=True, decided_by="m", decided_at=T0)
    ivo_report = d.IvoReport(reported_on=date(2026, 3, 3), reference="IVO-1")
    action = d.ActionSummary(id="a1", status="open")
    for value, name in ((seriousness, "serious"), (ivo_report, "reference"), (action, "status")):
        with pytest.raises(AttributeError):
            setattr(value, name, None)
    investigation = d.Investigation(what_happened="a", why="b", what_must_change="c")
    assert investigation.missing() == [] and d.Investigation(why="b").missing() == ["what_happened",
                                                                                     "what_must_change"]


def test_a_case_without_a_reporter_is_anonymous():
    assert new(kind=Kind.klagomal, origin="citizen", reported_by=None).anonymous is True
    assert new().anonymous is False


def test_reopening_the_investigation_clears_its_completion_and_a_category_change_names_the_previous():
    dev = investigated_lex(False)
    dev.reopen_investigation("h", T0)
    assert dev.investigation.completed_at is None and dev.investigation.started_at == T0
    dev.change_category("c1")
    dev.change_category("c2")
    assert (dev.events[-1].data["category_id"], dev.events[-1].data["previous_category_id"]) == ("c2", "c1")
