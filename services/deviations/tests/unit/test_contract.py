"""What the deviations domain shows the outside: wire values, Swedish labels, error codes and messages.

Stored rows, events and API answers carry these strings; a changed one breaks readers, so each is stated here.
"""
from __future__ import annotations

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Command, Kind, Origin, Status


def test_wire_values():
    assert [kind.value for kind in Kind] == ["avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt"]
    assert [origin.value for origin in Origin] == ["staff", "citizen"]
    assert d.Reporter is Origin
    assert [status.value for status in Status] == ["reported", "received", "investigating", "investigated",
                                                   "closed", "rejected"]
    assert [command.value for command in Command] == ["receive", "start_investigation", "complete_investigation",
                                                      "close", "reopen", "reopen_investigation", "reject",
                                                      "flag_possible_elsewhere", "clear_possible_elsewhere"]
    assert d.LEX_KINDS == {Kind.lex_sarah, Kind.lex_maria}
    assert d.CITIZEN_KINDS == {Kind.klagomal, Kind.synpunkt}


def test_swedish_labels():
    assert d.KIND_LABELS_SV == {Kind.avvikelse: "avvikelse", Kind.lex_sarah: "lex Sarah",
                                Kind.lex_maria: "lex Maria", Kind.klagomal: "klagomål", Kind.synpunkt: "synpunkt"}
    assert d.STATUS_LABELS_SV == {Status.reported: "anmält", Status.received: "mottaget",
                                  Status.investigating: "under utredning", Status.investigated: "utrett",
                                  Status.closed: "avslutat", Status.rejected: "avvisat"}


@pytest.mark.parametrize("command,sv,en", [
    (Command.receive, "ta emot", "receive"),
    (Command.start_investigation, "starta utredningen av", "start the investigation of"),
    (Command.complete_investigation, "slutföra utredningen av", "complete the investigation of"),
    (Command.close, "avsluta", "close"),
    (Command.reopen, "återöppna", "reopen"),
    (Command.reopen_investigation, "återuppta utredningen av", "reopen the investigation of"),
    (Command.reject, "avvisa", "reject"),
])
def test_an_illegal_transition_names_the_command_in_swedish_and_english(command, sv, en):
    status = Status.closed if command in (Command.receive, Command.reject) else Status.reported
    with pytest.raises(d.IllegalTransition) as err:
        d.next_status(status, command, Kind.avvikelse)
    status_sv = d.STATUS_LABELS_SV[status]
    assert (err.value.sv, err.value.en) == (f"Det går inte att {sv} ett ärende som är {status_sv}.",
                                            f"Cannot {en} a case in status {status.value}.")
    assert err.value.message == f"{err.value.sv} {err.value.en}"
    assert str(err.value) == err.value.message
    assert (err.value.status, err.value.command) == (status, command)


def test_an_illegal_transition_for_the_kind_names_the_kind():
    with pytest.raises(d.IllegalTransition) as err:
        d.next_status(Status.received, Command.close, Kind.avvikelse)
    assert err.value.message == ("Det går inte att avsluta ett ärende av typen avvikelse som är mottaget. "
                                 "Cannot close a case of kind avvikelse in status received.")


@pytest.mark.parametrize("error,code,http_status", [
    (d.DomainError, "domain_error", 409),
    (d.IllegalTransition, "illegal_transition", 409),
    (d.RuleViolation, "rule_violation", 409),
    (d.InvalidReport, "invalid_report", 422),
    (d.InvalidInput, "invalid_input", 422),
    (d.InvestigationIncomplete, "investigation_incomplete", 422),
    (d.InvestigationNotEditable, "investigation_not_editable", 409),
    (d.SeriousnessNotApplicable, "seriousness_not_applicable", 422),
    (d.SeriousnessDecisionTooEarly, "seriousness_decision_too_early", 409),
    (d.SeriousnessDecisionRequired, "seriousness_decision_required", 409),
    (d.IvoReportRequired, "ivo_report_required", 409),
    (d.IvoReportNotAllowed, "ivo_report_not_allowed", 409),
    (d.IvoAlreadyReported, "ivo_already_reported", 409),
    (d.OpenActionsRemain, "open_actions_remain", 409),
    (d.CaseClosed, "case_closed", 409),
])
def test_each_domain_error_has_its_code_and_http_status(error, code, http_status):
    assert (error.code, error.http_status) == (code, http_status)
    assert issubclass(error, d.DomainError)


def test_a_domain_error_keeps_its_message():
    assert d.RuleViolation("Fel.", "Wrong.").message == "Fel. Wrong."
    assert d.OpenActionsRemain("x", "y", open_action_count=2).open_action_count == 2
    assert d.InvestigationIncomplete("x", "y", missing=["why"]).missing == ["why"]
