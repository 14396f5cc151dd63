"""Rules of the organisation tree (ordning_processes.domain), no I/O."""
from datetime import datetime, timezone

import pytest

from ordning_processes.domain import (
    ALLOWED_PARENT_KINDS,
    ORG_EVENT_TYPES,
    UNIT_KIND_LABELS_SV,
    CrossTenant,
    CycleError,
    HasOpenChildren,
    InvalidKind,
    InvalidName,
    InvalidParent,
    OrgRuleViolation,
    OrgUnit,
    UnitClosed,
    UnitKind,
    would_create_cycle,
)

B, A, D, U, X = (UnitKind.BOARD, UnitKind.ADMINISTRATION, UnitKind.DIVISION, UnitKind.UNIT,
                 UnitKind.EXTERNAL_PROVIDER)
T0 = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)

ALLOWED = {
    (B, None),
    (A, B),
    (D, A), (D, D),
    (U, A), (U, D),
    (X, B), (X, A), (X, D),
}
ALL_PAIRS = [(kind, parent) for kind in UnitKind for parent in [None, *UnitKind]]


def make_chain(tenant="0138"):
    """board > administration > division > division > unit."""
    board = OrgUnit.create(tenant=tenant, kind=B, name="Socialnämnden", unit_id="b1")
    adm = OrgUnit.create(tenant=tenant, kind=A, name="Socialförvaltningen", parent=board, unit_id="a1")
    div = OrgUnit.create(tenant=tenant, kind=D, name="Äldreomsorg", parent=adm, unit_id="d1")
    sub = OrgUnit.create(tenant=tenant, kind=D, name="Hemtjänst", parent=div, unit_id="d2")
    unit = OrgUnit.create(tenant=tenant, kind=U, name="Hemtjänst Norr", parent=sub, unit_id="u1")
    return board, adm, div, sub, unit


def parent_of_kind(kind, tenant="0138"):
    """A valid open unit of `kind` (its own ancestry built as needed)."""
    board = OrgUnit.create(tenant=tenant, kind=B, name="Nämnd")
    if kind is B:
        return board
    adm = OrgUnit.create(tenant=tenant, kind=A, name="Förvaltning", parent=board)
    if kind is A:
        return adm
    div = OrgUnit.create(tenant=tenant, kind=D, name="Verksamhetsområde", parent=adm)
    if kind is D:
        return div
    if kind is U:
        return OrgUnit.create(tenant=tenant, kind=U, name="Enhet", parent=div)
    return OrgUnit.create(tenant=tenant, kind=X, name="Utförare AB", parent=div)


# --- kinds and parent-kind matrix -------------------------------------------

def test_labels_and_kind_values():
    assert [k.value for k in UnitKind] == ["board", "administration", "division", "unit", "external_provider"]
    assert UNIT_KIND_LABELS_SV == {
        B: "Nämnd", A: "Förvaltning", D: "Verksamhetsområde", U: "Enhet", X: "Utförare i privat regi",
    }
    assert UnitKind("division") is D and D == "division"


def test_allowed_parent_table_is_exactly_the_matrix():
    table = {(kind, parent) for kind, parents in ALLOWED_PARENT_KINDS.items() for parent in parents}
    assert table == ALLOWED


@pytest.mark.parametrize("kind,parent_kind", [p for p in ALL_PAIRS if p in ALLOWED])
def test_create_allowed_parent_kinds(kind, parent_kind):
    parent = parent_of_kind(parent_kind) if parent_kind else None
    unit = OrgUnit.create(tenant="0138", kind=kind, name="  Ny enhet ", parent=parent)
    assert unit.kind is kind
    assert unit.parent_id == (parent.id if parent else None)
    assert unit.name == "Ny enhet"
    assert unit.revision == 1
    assert unit.closed_at is None


@pytest.mark.parametrize("kind,parent_kind", [p for p in ALL_PAIRS if p not in ALLOWED])
def test_create_refused_parent_kinds(kind, parent_kind):
    parent = parent_of_kind(parent_kind) if parent_kind else None
    with pytest.raises(InvalidParent) as err:
        OrgUnit.create(tenant="0138", kind=kind, name="Ny enhet", parent=parent)
    assert err.value.code == "invalid_parent"
    assert isinstance(err.value, OrgRuleViolation)
    assert kind.value in err.value.message
    assert UNIT_KIND_LABELS_SV[kind].lower() in err.value.message


@pytest.mark.parametrize("kind,parent_kind", [p for p in ALL_PAIRS if p not in ALLOWED and p[0] is not B])
def test_move_refused_parent_kinds(kind, parent_kind):
    unit = parent_of_kind(kind)
    before = (unit.parent_id, unit.revision)
    target = parent_of_kind(parent_kind) if parent_kind else None
    with pytest.raises(InvalidParent):
        unit.move(target, ["whatever"] if target else [])
    assert (unit.parent_id, unit.revision) == before


def test_several_boards_per_tenant_and_board_cannot_move_under_anything():
    first = OrgUnit.create(tenant="0138", kind=B, name="Socialnämnden")
    second = OrgUnit.create(tenant="0138", kind=B, name="Barn- och utbildningsnämnden")
    assert first.parent_id is None and second.parent_id is None and first.id != second.id
    with pytest.raises(InvalidParent) as err:
        first.move(second, [])
    assert "root" in err.value.message
    first.move(None, [])  # already a root: no-op
    assert first.revision == 1 and len(first.events) == 1


def test_unknown_kind_and_bad_names():
    with pytest.raises(InvalidKind) as err:
        OrgUnit.create(tenant="0138", kind="department", name="X")
    assert err.value.code == "invalid_kind"
    for bad in ["", "   ", "x" * 201]:
        with pytest.raises(InvalidName) as err:
            OrgUnit.create(tenant="0138", kind="board", name=bad)
        assert err.value.code == "invalid_name"
    assert OrgUnit.create(tenant="0138", kind="board", name="y" * 200).name == "y" * 200


# --- cycles -----------------------------------------------------------------

def test_would_create_cycle_helper():
    assert would_create_cycle("d1", "d1", ["a1", "b1"]) is True
    assert would_create_cycle("d1", "d2", ["d1", "a1", "b1"]) is True
    assert would_create_cycle("d1", "d3", ["d2", "d1", "a1", "b1"]) is True
    assert would_create_cycle("d2", "d1", ["a1", "b1"]) is False
    assert would_create_cycle("d1", None, []) is False


def test_move_under_itself_is_a_cycle():
    _, _, div, _, _ = make_chain()
    with pytest.raises(CycleError) as err:
        div.move(div, ["a1", "b1"])
    assert err.value.code == "cycle"
    assert div.parent_id == "a1" and div.revision == 1


def test_move_under_child_is_a_cycle():
    _, _, div, sub, _ = make_chain()
    with pytest.raises(CycleError):
        div.move(sub, ["d1", "a1", "b1"])
    assert div.parent_id == "a1"


def test_move_under_grandchild_is_a_cycle():
    _, adm, div, sub, _ = make_chain()
    grandchild = OrgUnit.create(tenant="0138", kind=D, name="Hemtjänst Syd", parent=sub, unit_id="d3")
    with pytest.raises(CycleError):
        div.move(grandchild, ["d2", "d1", "a1", "b1"])
    assert div.parent_id == adm.id and div.revision == 1


def test_legal_move():
    board, adm, div, sub, unit = make_chain()
    other = OrgUnit.create(tenant="0138", kind=D, name="Funktionsstöd", parent=adm, unit_id="d9")
    unit.pull_events()
    unit.move(other, ["a1", "b1"])
    assert unit.parent_id == "d9"
    assert unit.revision == 2
    [event] = unit.events
    assert event.type == "se.ordning.org_unit.moved.v1"
    assert event.data["parent_id"] == "d9"
    assert event.data["previous_parent_id"] == "d2"
    # a division may also move straight under the administration
    sub.move(adm, ["b1"])
    assert sub.parent_id == "a1" and sub.revision == 2


def test_move_to_same_parent_is_a_no_op():
    _, adm, div, _, _ = make_chain()
    div.pull_events()
    div.move(adm, ["b1"])
    assert div.revision == 1 and div.events == []


# --- tenants ----------------------------------------------------------------

def test_cross_tenant_parent_refused_on_create_and_move():
    board_tyreso = OrgUnit.create(tenant="0138", kind=B, name="Socialnämnden")
    board_ockero = OrgUnit.create(tenant="1407", kind=B, name="Socialnämnden")
    with pytest.raises(CrossTenant) as err:
        OrgUnit.create(tenant="1407", kind=A, name="Förvaltning", parent=board_tyreso)
    assert err.value.code == "cross_tenant"
    adm = OrgUnit.create(tenant="1407", kind=A, name="Förvaltning", parent=board_ockero)
    with pytest.raises(CrossTenant):
        adm.move(board_tyreso, [])
    assert adm.parent_id == board_ockero.id and adm.revision == 1


# --- closing ----------------------------------------------------------------

def test_close_with_open_children_refused():
    _, adm, _, _, _ = make_chain()
    with pytest.raises(HasOpenChildren) as err:
        adm.close(T0, open_children=2)
    assert err.value.code == "has_open_children"
    assert "2" in err.value.message
    assert adm.closed_at is None and adm.revision == 1


def test_close_keeps_the_unit_and_sets_closed_at():
    *_, unit = make_chain()
    unit.close(T0, open_children=0)
    assert unit.closed_at == T0
    assert unit.is_closed
    assert unit.name == "Hemtjänst Norr" and unit.parent_id == "d2"
    assert unit.revision == 2


def test_naive_close_time_is_taken_as_utc():
    *_, unit = make_chain()
    unit.close(datetime(2025, 3, 1, 9, 30), open_children=0)
    assert unit.closed_at == T0


def test_closed_unit_cannot_be_renamed_moved_closed_or_used_as_parent():
    board, adm, div, sub, unit = make_chain()
    unit.close(T0, open_children=0)
    with pytest.raises(UnitClosed) as err:
        unit.rename("Nytt namn", T0)
    assert err.value.code == "unit_closed"
    with pytest.raises(UnitClosed):
        unit.move(div, ["a1", "b1"])
    with pytest.raises(UnitClosed):
        unit.close(T0, open_children=0)
    assert (unit.name, unit.parent_id, unit.revision) == ("Hemtjänst Norr", "d2", 2)

    other = OrgUnit.create(tenant="0138", kind=D, name="Stängs", parent=adm)
    other.close(T0, open_children=0)
    with pytest.raises(UnitClosed):
        OrgUnit.create(tenant="0138", kind=U, name="Ny enhet", parent=other)
    with pytest.raises(UnitClosed):
        sub.move(other, ["a1", "b1"])
    assert sub.parent_id == "d1"


# --- revisions and events ---------------------------------------------------

def test_revision_increments_on_every_change():
    board, adm, div, sub, unit = make_chain()
    assert unit.revision == 1
    unit.rename("Hemtjänst Nord", T0)
    assert unit.revision == 2
    unit.rename("Hemtjänst Nord", T0)  # same name: nothing changes
    assert unit.revision == 2
    unit.move(div, ["a1", "b1"])
    assert unit.revision == 3
    unit.close(T0, open_children=0)
    assert unit.revision == 4
    assert [e.data["revision"] for e in unit.events] == [1, 2, 3, 4]


def test_event_types_catalogue():
    assert ORG_EVENT_TYPES == (
        "se.ordning.org_unit.created.v1",
        "se.ordning.org_unit.renamed.v1",
        "se.ordning.org_unit.moved.v1",
        "se.ordning.org_unit.closed.v1",
        "se.ordning.org_unit.external_provider_changed.v1",
    )


def test_every_event_carries_the_full_replicable_state():
    board = OrgUnit.create(tenant="0138", kind=B, name="Socialnämnden", unit_id="b1")
    adm = OrgUnit.create(tenant="0138", kind=A, name="Socialförvaltningen", parent=board, unit_id="a1")
    d1 = OrgUnit.create(tenant="0138", kind=D, name="Äldreomsorg", parent=adm, unit_id="d1")
    unit = OrgUnit.create(tenant="0138", kind=U, name=" Korttidsboende ", parent=adm, unit_id="u7")
    unit.rename("Korttidsboendet Solgläntan", T0)
    unit.move(d1, ["a1", "b1"])
    unit.close(T0, open_children=0)

    created, renamed, moved, closed = unit.events
    common = {"tenant": "0138", "subject": "u7"}
    for event in unit.events:
        assert {"tenant": event.tenant, "subject": event.subject} == common
        assert event.type in ORG_EVENT_TYPES

    assert created.type == "se.ordning.org_unit.created.v1"
    assert created.data == {
        "unit_id": "u7", "kind": "unit", "name": "Korttidsboende", "parent_id": "a1",
        "closed_at": None, "revision": 1, "external_provider": False,
    }
    assert renamed.type == "se.ordning.org_unit.renamed.v1"
    assert renamed.data == {
        "unit_id": "u7", "kind": "unit", "name": "Korttidsboendet Solgläntan", "parent_id": "a1",
        "closed_at": None, "revision": 2, "renamed_at": "2025-03-01T09:30:00+00:00", "external_provider": False,
    }
    assert moved.type == "se.ordning.org_unit.moved.v1"
    assert moved.data == {
        "unit_id": "u7", "kind": "unit", "name": "Korttidsboendet Solgläntan", "parent_id": "d1",
        "previous_parent_id": "a1", "closed_at": None, "revision": 3, "external_provider": False,
    }
    assert closed.type == "se.ordning.org_unit.closed.v1"
    assert closed.data == {
        "unit_id": "u7", "kind": "unit", "name": "Korttidsboendet Solgläntan", "parent_id": "d1",
        "closed_at": "2025-03-01T09:30:00+00:00", "revision": 4, "external_provider": False,
    }
    # A consumer that only saw the last event has the unit's whole state.
    assert closed.data == {**unit.state()}


def test_events_are_json_plain_and_pulled_once():
    unit = OrgUnit.create(tenant="0138", kind=B, name="Socialnämnden")
    assert all(isinstance(v, (str, int, type(None))) for v in unit.events[0].data.values())
    pulled = unit.pull_events()
    assert [e.type for e in pulled] == ["se.ordning.org_unit.created.v1"]
    assert unit.events == [] and unit.pull_events() == []
    assert len(unit.id) == 36  # uuid4 string


def test_rehydrate_from_repository_row():
    unit = OrgUnit(id="u1", tenant="0138", kind="unit", name="Enhet", parent_id="d1", revision=7)
    assert unit.kind is U and unit.events == [] and unit.revision == 7
    unit.rename("Enheten", T0)
    assert unit.revision == 8 and unit.events[0].data["revision"] == 8


def test_exactly_one_open_child_keeps_the_unit_open():
    _, adm, _, _, _ = make_chain()
    with pytest.raises(HasOpenChildren):
        adm.close(T0, open_children=1)
    assert not adm.is_closed and adm.events[-1].type != "se.ordning.org_unit.closed.v1"


def test_a_negative_count_of_open_children_is_a_programming_error():
    *_, unit = make_chain()
    with pytest.raises(ValueError):
        unit.close(T0, open_children=-1)
    assert not unit.is_closed


def test_a_closed_unit_loaded_from_storage_stays_closed():
    unit = OrgUnit(id="u9", tenant="0138", kind=U, name="Hemtjänst Syd", parent_id="d2",
                   closed_at=datetime(2025, 3, 1, 9, 30), revision=4)  # as a row read back (naive: UTC)
    assert unit.is_closed and unit.closed_at == T0
    with pytest.raises(UnitClosed):
        unit.rename("Hemtjänst Öst", T0)
    with pytest.raises(UnitClosed):
        unit.close(T0, open_children=0)
    assert unit.state()["closed_at"] == "2025-03-01T09:30:00+00:00" and unit.revision == 4


def test_a_unit_loaded_from_storage_keeps_its_revision_and_counts_on():
    unit = OrgUnit(id="u9", tenant="0138", kind=U, name="Hemtjänst Syd", parent_id="d2", revision=7)
    unit.rename("Hemtjänst Öst", T0)
    assert unit.revision == 8 and unit.events[-1].data["revision"] == 8
    with pytest.raises(ValueError):
        OrgUnit(id="u9", tenant="0138", kind=U, name="Hemtjänst Syd", revision=0)
    OrgUnit(id="u9", tenant="0138", kind=U, name="Hemtjänst Syd", revision=1)  # the first revision is 1


@pytest.mark.parametrize("kind,parent,message", [
    (U, None, "En enhet måste ligga under en förvaltning eller ett verksamhetsområde. "
              "A unit must have a parent (administration, division)."),
    (A, None, "En förvaltning måste ligga under en nämnd. An administration must have a parent (board)."),
    (B, A, "En nämnd ligger alltid högst upp och kan inte ligga under en förvaltning. "
           "A board is a root and cannot be placed under an administration."),
    (U, B, "En enhet kan inte ligga under en nämnd, bara under en förvaltning eller ett verksamhetsområde. "
           "A unit cannot be placed under a board; allowed: administration, division."),
    (X, U, "En utförare i privat regi kan inte ligga under en enhet, bara under en nämnd, en förvaltning eller "
           "ett verksamhetsområde. An external_provider cannot be placed under a unit; allowed: board, "
           "administration, division."),
    (D, U, "Ett verksamhetsområde kan inte ligga under en enhet, bara under en förvaltning eller ett "
           "verksamhetsområde. A division cannot be placed under a unit; allowed: administration, division."),
])
def test_an_invalid_parent_is_explained_in_swedish_and_english(kind, parent, message):
    parent_unit = None
    if parent is not None:
        parent_unit = OrgUnit(id="p1", tenant="0138", kind=parent, name="Överordnad")
    with pytest.raises(InvalidParent) as err:
        OrgUnit.create(tenant="0138", kind=kind, name="Ny", parent=parent_unit)
    assert err.value.message == message


@pytest.mark.parametrize("name,message", [
    (5, "Namnet måste vara text. The name must be a string."),
    ("  ", "Namnet får inte vara tomt. The name must not be blank."),
    ("x" * 201, "Namnet får vara högst 200 tecken. The name may be at most 200 characters."),
])
def test_an_invalid_name_is_explained(name, message):
    with pytest.raises(InvalidName) as err:
        OrgUnit.create(tenant="0138", kind=B, name=name)
    assert err.value.message == message


def test_an_unknown_kind_lists_the_kinds():
    with pytest.raises(InvalidKind) as err:
        OrgUnit.create(tenant="0138", kind="olika", name="Ny")
    assert err.value.message == ("Enhetstypen 'olika' är okänd; tillåtna är board, administration, division, unit, "
                                 "external_provider. The unit kind 'olika' is unknown; allowed are board, "
                                 "administration, division, unit, external_provider.")


def test_each_rule_violation_has_its_own_stable_code():
    from ordning_processes import domain

    codes = {cls: cls.code for cls in (domain.OrgRuleViolation, InvalidParent, UnitClosed, HasOpenChildren,
                                       CycleError, CrossTenant, domain.ParentNotFound, InvalidName, InvalidKind)}
    assert list(codes.values()) == ["org_rule_violation", "invalid_parent", "unit_closed", "has_open_children",
                                    "cycle", "cross_tenant", "parent_not_found", "invalid_name", "invalid_kind"]


def test_a_unit_read_back_has_the_defaults_of_a_new_one():
    unit = OrgUnit(id="b9", tenant="0138", kind=B, name="Omsorgsnämnden")
    assert (unit.parent_id, unit.closed_at, unit.revision, unit.events) == (None, None, 1, [])
    assert len({unit, OrgUnit(id="b9", tenant="0138", kind=B, name="Omsorgsnämnden")}) == 2  # entities, by identity
    for tenant in ("", "  ", None, 138):
        with pytest.raises(ValueError):
            OrgUnit(id="b9", tenant=tenant, kind=B, name="Omsorgsnämnden")


def test_a_time_that_is_not_a_datetime_is_refused():
    *_, unit = make_chain()
    with pytest.raises(TypeError, match="datetime"):
        unit.close("2025-03-01", open_children=0)


def test_each_refusal_of_a_change_is_explained():
    board, adm, div, sub, unit = make_chain()

    def message(error, change, *args, **kwargs):
        with pytest.raises(error) as err:
            change(*args, **kwargs)
        return err.value.message

    assert message(HasOpenChildren, adm.close, T0, open_children=3) == (
        "Enheten har 3 öppna underenheter som måste stängas eller flyttas först. "
        "The unit has 3 open child unit(s) that must be closed or moved first.")
    assert message(CycleError, div.move, sub, ["d1", "a1", "b1"]) == (
        "Enheten kan inte flyttas under sig själv eller en av sina underenheter. "
        "The unit d1 cannot be moved under itself or one of its descendants.")
    other_tenant = OrgUnit.create(tenant="1407", kind=A, name="Annan förvaltning",
                                  parent=OrgUnit.create(tenant="1407", kind=B, name="Annan nämnd"))
    assert message(CrossTenant, unit.move, other_tenant, []) == (
        "Den överordnade enheten tillhör en annan kommun eller region. The parent unit belongs to another tenant.")
    closed = OrgUnit(id="c1", tenant="0138", kind=D, name="Stängda området", parent_id="a1", closed_at=T0)
    assert message(UnitClosed, unit.move, closed, ["a1", "b1"]) == (
        "Den överordnade enheten 'Stängda området' är stängd. The parent unit 'Stängda området' is closed.")
    assert message(UnitClosed, closed.rename, "Nytt", T0) == (
        "En stängd enhet kan inte byta namn. A closed unit cannot be renamed.")
    assert message(UnitClosed, closed.move, adm, ["b1"]) == "En stängd enhet kan inte flyttas. A closed unit cannot be moved."
    assert message(UnitClosed, closed.close, T0, open_children=0) == (
        "En stängd enhet kan inte stängas igen. A closed unit cannot be closed again.")


def test_a_unit_is_marked_as_an_external_provider_and_back():
    board = OrgUnit.create(tenant="0138", kind="board", name="Socialnämnden", unit_id="b1")
    adm = OrgUnit.create(tenant="0138", kind="administration", name="Socialförvaltningen", parent=board, unit_id="a1")
    unit = OrgUnit.create(tenant="0138", kind="unit", name="Omsorg AB Norr", parent=adm, unit_id="u8",
                          external_provider=True)
    assert unit.external_provider is True and unit.events[0].data["external_provider"] is True
    unit.pull_events()
    unit.set_external_provider(True)  # the same value: no revision, no event
    assert unit.revision == 1 and unit.events == []
    unit.set_external_provider(False)
    [changed] = unit.pull_events()
    assert changed.type == "se.ordning.org_unit.external_provider_changed.v1"
    assert changed.data == {**unit.state()} and changed.data["external_provider"] is False
    assert changed.data["revision"] == 2
    with pytest.raises(TypeError):
        unit.set_external_provider("yes")
    unit.close(T0, open_children=0)
    with pytest.raises(UnitClosed):
        unit.set_external_provider(True)


def test_a_unit_of_the_kind_external_provider_is_always_one():
    board = OrgUnit.create(tenant="0138", kind="board", name="Socialnämnden", unit_id="b1")
    provider = OrgUnit.create(tenant="0138", kind="external_provider", name="Omsorg AB", parent=board, unit_id="p1")
    assert provider.external_provider is True and provider.events[0].data["external_provider"] is True
    with pytest.raises(InvalidKind):
        provider.set_external_provider(False)
    assert provider.external_provider is True and provider.revision == 1
