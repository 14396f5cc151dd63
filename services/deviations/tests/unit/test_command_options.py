"""What a case offers a caller (`command_options`) is exactly what its commands then do, for every status, kind,
state of the rules, role and scope: a listed command succeeds on a copy, an unlisted one is refused."""
from __future__ import annotations

import copy
import itertools

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Command, Kind, Status

from .test_domain import at, fill, in_status

ROLE_SETS = [frozenset(roles) for roles in (
    {"medarbetare"}, {"enhetschef"}, {"kvalitetsutvecklare"}, {"mas"}, {"administrator"}, {"namnd"},
    {"enhetschef", "mas"})]


def variants():
    """Cases in every status and kind, with the rule states that matter: investigation empty or written,
    seriousness undecided, not serious, serious with or without an IVO report."""
    for kind, status in itertools.product(Kind, Status):
        dev = in_status(status, kind)
        yield f"{kind.value} {status.value}", dev
        if status is Status.investigating:
            written = copy.deepcopy(dev)
            fill(written)
            yield f"{kind.value} investigating, written", written
        if status is Status.investigated and kind in d.LEX_KINDS:
            serious = copy.deepcopy(dev)
            serious.decide_seriousness(True, "beslutare", at(5))
            yield f"{kind.value} investigated, serious", serious
            reported = copy.deepcopy(serious)
            reported.record_ivo_report(at(6).date(), "IVO 1")
            yield f"{kind.value} investigated, serious, reported", reported


def run(dev: d.Deviation, command: Command, open_actions: int) -> None:
    if command is Command.close:
        dev.close("x", at(9), open_action_count=open_actions)
    elif command is Command.reject:
        dev.reject("x", at(9), reason="spam", open_action_count=open_actions)
    else:
        getattr(dev, command.value)("x", at(9))


@pytest.mark.parametrize("label, dev", list(variants()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_options_are_what_the_commands_do(label, dev):
    for roles, in_scope, open_actions in itertools.product(ROLE_SETS, (True, False), (0, 2)):
        allowed, blocked = dev.command_options(roles, in_scope, open_actions)
        assert not set(allowed) & {b.command for b in blocked}
        for command in Command:
            permitted = in_scope and d.may(roles, command, dev.kind)
            trial = copy.deepcopy(dev)
            try:
                run(trial, command, open_actions)
                succeeded, code = True, None
            except d.DomainError as refusal:
                succeeded, code = False, refusal.code
            assert (command in allowed) == (permitted and succeeded), (label, roles, in_scope, command)
            listed_blocked = [b for b in blocked if b.command is command]
            # blocked: permitted and offered by the status, refused by a rule, with the same code
            assert bool(listed_blocked) == (permitted and not succeeded and code != "illegal_transition"), \
                (label, roles, in_scope, command, code)
            if listed_blocked:
                assert listed_blocked[0].code == code


def test_a_pseudonymised_case_offers_nothing_and_says_why():
    dev = in_status(Status.closed)
    dev.pseudonymised_at = at(100)
    allowed, blocked = dev.command_options({"kvalitetsutvecklare"}, True, 0)
    assert allowed == [] and [(b.command, b.code) for b in blocked] == [(Command.reopen, "case_pseudonymised")]


def test_without_a_caller_the_rules_still_count():
    dev = in_status(Status.investigating)
    # completing waits for the investigation's text; flagging "may happen elsewhere" does not
    assert dev.allowed_commands() == [Command.flag_possible_elsewhere]
    assert dev.command_options()[1][0].code == "investigation_incomplete"
