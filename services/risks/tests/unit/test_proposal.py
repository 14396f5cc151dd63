"""The risk proposal's rules, without a database: decided once, withdrawn only while open, reopened only when
withdrawn, and its events naming the source case by id and kind only."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ordning_risks.domain import proposal as dp

AT = datetime(2026, 5, 18, 8, 0, tzinfo=timezone.utc)


def proposal(reason=dp.ProposalReason.serious_deviation, kind="lex_sarah") -> dp.RiskProposal:
    return dp.RiskProposal.propose(tenant="0138", reason=reason, deviation_id="d1", deviation_kind=kind,
                                   source_unit_id="u1", unit_id="u1", at=AT)


def test_a_new_proposal_is_open_and_says_so_in_an_event_without_text():
    p = proposal()
    assert p.status is dp.ProposalStatus.open and p.version == 1
    (event,) = p.events
    assert event.type == "se.ordning.risk.proposal_created.v1" and event.sequence == 1
    assert event.data == {"proposal_id": p.id, "reason": "serious_deviation", "deviation_id": "d1",
                          "deviation_kind": "lex_sarah", "source_unit_id": "u1", "unit_id": "u1",
                          "created_at": "2026-05-18T08:00:00+00:00", "version": 1}


def test_a_proposal_is_decided_once():
    p = proposal()
    p.accept(analysis_id="a1", risk_id="r1", at=AT, by="erik")
    assert (p.status, p.analysis_id, p.risk_id, p.version) == (dp.ProposalStatus.accepted, "a1", "r1", 2)
    for decide in (lambda: p.dismiss(reason="Nej", at=AT, by="erik"),
                   lambda: p.accept(analysis_id="a2", risk_id="r2", at=AT, by="erik")):
        with pytest.raises(dp.ProposalNotOpen) as refused:
            decide()
        assert refused.value.http_status == 409
    assert p.withdraw(AT) is False and p.reopen(AT) is False and p.status is dp.ProposalStatus.accepted


def test_dismissing_needs_a_reason_which_no_event_carries():
    p = proposal()
    with pytest.raises(dp.InvalidProposalDecision):
        p.dismiss(reason="  ", at=AT, by="erik")
    assert p.is_open and p.version == 1
    p.dismiss(reason="Redan analyserad i årets riskanalys", at=AT, by="erik")
    assert "Redan" not in repr([e.data for e in p.events])


def test_withdrawn_while_open_and_reopened_when_proposed_again():
    p = proposal(dp.ProposalReason.possible_elsewhere, kind="avvikelse")
    assert p.withdraw(AT) is True and p.status is dp.ProposalStatus.withdrawn and p.withdraw(AT) is False
    with pytest.raises(dp.ProposalNotOpen):
        p.dismiss(reason="Nej", at=AT, by="erik")
    assert p.reopen(AT) is True and p.is_open and p.withdrawn_at is None
    assert [e.type.rsplit(".", 2)[1] for e in p.events] == ["proposal_created", "proposal_withdrawn",
                                                            "proposal_reopened"]
    assert [e.sequence for e in p.events] == [1, 2, 3]


def test_the_default_description_names_the_kind_and_never_the_case_text():
    assert dp.default_risk_description(proposal()) == "Risk utifrån en allvarlig avvikelse (lex Sarah) på enheten."
    assert "annan enhet" in dp.default_risk_description(proposal(dp.ProposalReason.possible_elsewhere, "klagomal"))
