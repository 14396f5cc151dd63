"""The process map's rules, without a database: versions, stable step ids, cycles, roles, the events."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from ordning_processes.domain import (PROCESS_ESTABLISHED, PROCESS_EVENT_PAYLOAD_FIELDS, PROCESS_REVISED,
                                      PROCESS_TEMPLATES, DraftExists, InvalidProcessParent, NoDraft, Process, ProcessCycle,
                                      RoleKind, UnknownProcessRole, UnknownStep, ProcessVersionStatus)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
UNIT = "27460a56-bb16-57e0-90af-507fac38efb8"


def new(steps=("Aktualisera", "Utreda"), parent=None, tenant="0138") -> Process:
    return Process.draft_new(tenant=tenant, unit_id=UNIT, kind="huvudprocess", parent=parent, at=AT, by="admin",
                             content={"name": "Myndighetsutövning", "steps": [{"name": n} for n in steps]})


def establish(process: Process, on=date(2026, 3, 2)) -> None:
    process.establish(at=AT, by="admin", established_on=on, decision_reference="SN § 1")


def test_a_revision_keeps_every_step_id_and_the_established_version():
    process = new()
    ids = [s.id for s in process.draft.steps]
    establish(process)
    assert process.draft is None and process.established.number == 1
    with pytest.raises(NoDraft):
        process.edit_draft({"name": "Ändrad"})
    draft = process.revise(at=AT, by="admin")
    assert draft.number == 2 and [s.id for s in draft.steps] == ids
    with pytest.raises(DraftExists):
        process.revise(at=AT, by="admin")
    process.edit_draft({"steps": [{"id": ids[1], "name": "Utreda behov"}, {"name": "Besluta"}]})
    assert process.established.steps[1].name == "Utreda"  # the version in force is untouched
    establish(process, date(2026, 4, 1))
    assert [v.status for v in process.versions] == [ProcessVersionStatus.SUPERSEDED, ProcessVersionStatus.ESTABLISHED]
    assert process.established.steps[0].id == ids[1]
    events = process.pull_events()
    assert [e.type for e in events] == [PROCESS_ESTABLISHED, PROCESS_REVISED]
    assert [e.sequence for e in events] == [1, 2]
    for event in events:
        assert set(event.data) == PROCESS_EVENT_PAYLOAD_FIELDS[event.type]
    assert events[1].data["previous_version"] == 1 and events[1].data["established_on"] == "2026-04-01"
    # each event names the established version's steps by id, in order: the kept step first, then the new one
    assert events[0].data["step_ids"] == ids
    assert events[1].data["step_ids"] == [s.id for s in process.established.steps]
    assert events[1].data["step_ids"][0] == ids[1]


def test_a_step_id_must_be_the_processes_own_and_named_once():
    process, other = new(), new()
    with pytest.raises(UnknownStep):
        process.edit_draft({"steps": [{"id": other.draft.steps[0].id, "name": "Stulen"}]})
    same = process.draft.steps[0].id
    with pytest.raises(UnknownStep):
        process.edit_draft({"steps": [{"id": same, "name": "A"}, {"id": same, "name": "B"}]})
    with pytest.raises(UnknownStep):
        process.reorder_steps([same])


def test_cycles_and_other_tenants_parents_are_refused():
    top = new()
    sub = new(parent=top)
    assert sub.parent_id == top.id
    with pytest.raises(ProcessCycle):
        top.place_under(sub, [sub.id, top.id])
    with pytest.raises(ProcessCycle):
        top.place_under(top, [])
    with pytest.raises(InvalidProcessParent):
        new(parent=new(tenant="1407"))


def test_roles_are_the_shared_vocabulary():
    with pytest.raises(UnknownProcessRole):
        new().edit_draft({"steps": [{"name": "A", "roles": ["trollkarl"]}]})
    with pytest.raises(UnknownProcessRole):
        new().edit_draft({"owner_role": "enhetschef"})  # an owner holds a process role
    process = new()
    process.edit_draft({"owner_role": "processledare", "steps": [{"name": "A", "roles": ["mas", "mas"]}]})
    assert process.draft.owner_role is RoleKind.PROCESSLEDARE and process.draft.steps[0].roles == (RoleKind.MAS,)


def test_the_templates_use_known_roles_and_actors():
    for template in PROCESS_TEMPLATES.values():
        process = Process.draft_new(tenant="0138", unit_id=UNIT, kind=template["kind"], parent=None, at=AT,
                                    by="admin", content={"name": template["name"], "steps": template["steps"]})
        assert len(process.draft.steps) == len(template["steps"])
    assert [s["name"] for s in PROCESS_TEMPLATES["socialtjanst_ni_2021_2"]["steps"]] == [
        "Aktualisera", "Utreda", "Besluta", "Utforma uppdrag", "Genomföra uppdrag", "Följa upp"]
