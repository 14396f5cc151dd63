"""The whole permission matrix of the deviations domain, stated once: every role x command x kind."""
from __future__ import annotations

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Command, Kind

ALL_ROLES = ["medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare", "processledare",
             "kvalitetsutvecklare", "mas", "mar", "namnd", "administrator", "region_host"]
# Everyone employed reports; the nämnd (politicians) and region_host (aggregates only) do not.
REPORTERS = {"medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare", "processledare",
             "kvalitetsutvecklare", "mas", "mar", "administrator"}
MANAGERS = {"enhetschef", "verksamhetschef", "forvaltningschef"}
HANDLERS = MANAGERS | {"kvalitetsutvecklare"}
MEDICAL = {"mas", "mar"}
HANDLING_COMMANDS = ["receive", "start_investigation", "update_investigation", "complete_investigation", "close",
                     "reopen", "reopen_investigation", "reject", "change_category", "reassign_unit",
                     "manage_actions", "flag_possible_elsewhere", "clear_possible_elsewhere"]
LEX_DECIDERS = {"avvikelse": set(), "lex_sarah": MANAGERS, "lex_maria": MEDICAL, "klagomal": set(),
                "synpunkt": set()}

# command -> kind -> the roles that may
MATRIX: dict[str, dict[str, set[str]]] = {
    "report": {kind: REPORTERS for kind in ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")},
    **{command: {"avvikelse": HANDLERS, "lex_sarah": HANDLERS, "lex_maria": HANDLERS | MEDICAL,
                 "klagomal": HANDLERS, "synpunkt": HANDLERS} for command in HANDLING_COMMANDS},
    "decide_seriousness": LEX_DECIDERS,
    "record_ivo_report": LEX_DECIDERS,
    # the IVO steps after the report and an external provider's report and follow-up: the lex kind's handlers
    "record_ivo_steps": {"avvikelse": set(), "lex_sarah": HANDLERS, "lex_maria": HANDLERS | MEDICAL,
                         "klagomal": set(), "synpunkt": set()},
    "record_event_analysis": {"avvikelse": set(), "lex_sarah": set(), "lex_maria": HANDLERS | MEDICAL,
                              "klagomal": set(), "synpunkt": set()},
    # issue 14: the case's handlers record the complainant and the answer, read the complainant, write feedback
    **{command: {"avvikelse": HANDLERS, "lex_sarah": HANDLERS, "lex_maria": HANDLERS | MEDICAL,
                 "klagomal": HANDLERS, "synpunkt": HANDLERS}
       for command in ("record_complainant", "record_answer", "write_reporter_feedback", "read_complainant")},
    # issue 14: the case's handlers reclassify, record the informing and name the involved staff
    **{command: {"avvikelse": HANDLERS, "lex_sarah": HANDLERS, "lex_maria": HANDLERS | MEDICAL,
                 "klagomal": HANDLERS, "synpunkt": HANDLERS}
       for command in ("reclassify", "record_informing", "name_involved_staff")},
}
# The daily work (issue 14, item 8): the case's handlers, as for the handling commands.
MATRIX.update({command: MATRIX["receive"] for command in ("assign_investigator", "change_involved_unit",
                                                          "close_as_duplicate")})
# kind -> the roles that read any single case of it whole (since issue 14 a reporter reads only its feedback view)
READERS = {"avvikelse": HANDLERS | MEDICAL, "lex_sarah": HANDLERS, "lex_maria": HANDLERS | MEDICAL,
           "klagomal": HANDLERS, "synpunkt": HANDLERS}


def test_the_roles_and_commands_are_exactly_those_of_the_matrix():
    assert d.ROLES == set(ALL_ROLES)
    assert set(d.PERMISSIONS) == set(MATRIX)
    assert {kind.value for kind in Kind} == set(READERS)


@pytest.mark.parametrize("command", [*MATRIX, "no_such_command"])
def test_who_may_run_each_command_on_each_kind(command):
    for kind in Kind:
        allowed = MATRIX.get(command, {}).get(kind.value, set())
        for role in ALL_ROLES:
            assert d.may([role], command, kind) is (role in allowed), (role, command, kind.value)
            assert d.may([role], command, kind.value) is (role in allowed)
        assert d.may(ALL_ROLES, command, kind) is bool(allowed)
        assert d.may([], command, kind) is False


def test_commands_are_accepted_as_the_state_machine_enum():
    for command in Command:
        for kind in Kind:
            for role in ALL_ROLES:
                assert d.may([role], command, kind) is (role in MATRIX[command.value][kind.value])


@pytest.mark.parametrize("is_reporter", [False, True])
def test_who_may_read_a_single_case(is_reporter):
    for kind in Kind:
        for role in ALL_ROLES:
            expected = role in READERS[kind.value]  # being the reporter adds nothing (issue 14)
            assert d.may_read([role], kind, is_reporter=is_reporter) is expected, (role, kind.value)
        assert d.may_read([], kind, is_reporter=is_reporter) is False
