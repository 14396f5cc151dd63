"""The event catalogue (docs/asyncapi.yaml) held against every event the code emits.

No infrastructure: the domain objects (Deviation, OrgUnit, ImprovementAction) are driven through
their whole lifecycles, each DomainEvent is wrapped in the real CloudEvents envelope
(`ordning_shared.events.to_cloudevent` + `serialize`), read back as JSON and validated against the
payload schema of its message in the AsyncAPI document; the AMQP headers the publisher sets
(`amqp_headers`) are validated against the message's headers schema.

Also checked: the emitted types are exactly the documented ones, the channels route them on
`ordning.events`, and no `data` field can carry free text (every string is an id, a date, a moment
or an enum value; the one exception, an org unit's public name, is marked `x-ordning-free-text`).
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ordning_deviations import domain as dev
from ordning_processes import domain as org
from ordning_processes.domain import documents as docs
from ordning_processes.schemas import MeasurementRecordedEventDataSchema, OrgUnitEventDataSchema, RoleEventDataSchema
from ordning_risks import domain as risks
from ordning_reporting.domain import reports
from ordning_risks.domain import proposal as risk_proposal
from ordning_shared.actions import ACTION_EVENT_FIELDS, ActionStatus, ImprovementAction
from ordning_shared.events import CONTENT_TYPE, DomainEvent, amqp_headers, serialize, to_cloudevent

CATALOGUE = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"
DOC_URI = "urn:ordning:asyncapi"
EXCHANGE = "ordning.events"
TENANT = "0180"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
SERVICE_OF = {"deviation": "deviations", "action": "deviations", "org_unit": "processes", "risk": "risks",
              "document": "processes", "role": "processes", "process": "processes", "goal": "processes",
              "report": "reporting", "working_calendar": "deviations"}
# Who publishes each aggregate's events: an improvement action's, every service whose cases raise actions.
PUBLISHERS = {"deviation": ["deviations"], "action": ["deviations", "risks"], "org_unit": ["processes"],
              "risk": ["risks"], "document": ["processes"], "role": ["processes"], "process": ["processes"],
              "goal": ["processes"], "report": ["reporting"], "working_calendar": ["deviations"]}
SUBJECT_KEY = {"deviation": "deviation_id", "action": "action_id", "org_unit": "unit_id", "risk": "risk_id",
               "document": "document_id", "role": "assignment_id", "process": "process_id", "goal": "indicator_id",
               "report": "report_id", "working_calendar": "calendar_id"}
FREE_TEXT_MARK = "x-ordning-free-text"
# A code from a tenant's own list (a risk matrix's level): no enum, but a pattern that admits no text.
CODE_MARK = "x-ordning-code"
# The free text the catalogue admits on purpose (an organisation's name is public, not personal data; a risk
# matrix's step and level names are the tenant's words for its classes). A field inside an array of objects is
# named "<array>[].<field>".
ALLOWED_FREE_TEXT = {("se.ordning.org_unit.created.v1", "name"), ("se.ordning.org_unit.renamed.v1", "name"),
                     ("se.ordning.org_unit.moved.v1", "name"), ("se.ordning.org_unit.closed.v1", "name"),
                     ("se.ordning.org_unit.external_provider_changed.v1", "name"),
                     ("se.ordning.risk.matrix_changed.v1", "probability_steps[].label"),
                     ("se.ordning.risk.matrix_changed.v1", "consequence_steps[].label"),
                     ("se.ordning.risk.matrix_changed.v1", "levels[].label")}


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def catalogue() -> dict:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def registry() -> Registry:
    return Registry().with_resource(DOC_URI, DRAFT202012.create_resource(catalogue()))


def resolve(node: dict) -> dict:
    """Follow a local $ref (#/...) in the document, once or repeatedly."""
    while isinstance(node, dict) and "$ref" in node:
        target = catalogue()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def messages_by_type() -> dict[str, str]:
    """event type -> key of its message in components.messages."""
    found = {}
    for key, message in catalogue()["components"]["messages"].items():
        event_type = message["payload"]["properties"]["type"]["const"]
        assert event_type not in found, f"{event_type} documented twice"
        found[event_type] = key
    return found


def data_properties(event_type: str) -> dict[str, dict]:
    key = messages_by_type()[event_type]
    data = catalogue()["components"]["messages"][key]["payload"]["properties"]["data"]
    return {name: resolve(schema) for name, schema in data["properties"].items()}


def _format_checker() -> FormatChecker:
    checker = FormatChecker()  # uuid and date need nothing; date-time is checked here without extra packages

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        if "T" not in value:
            raise ValueError("no T separator")
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.tzinfo is not None

    return checker


FORMATS = _format_checker()


def validator(key: str, part: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{DOC_URI}#/components/messages/{key}/{part}"},
                                registry=registry(), format_checker=FORMATS)


# --------------------------------------------------------------------------
# Driving the domain: every event type, many variants of each
# --------------------------------------------------------------------------

T0 = datetime(2025, 3, 3, 8, 30, tzinfo=timezone.utc)  # a Monday


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def new_id() -> str:
    return str(uuid.uuid4())


def _investigate(case: dev.Deviation) -> None:
    case.update_investigation(what_happened="Fel dos gavs", why="Ordinationen var otydlig",
                              what_must_change="Dubbelkontroll vid delning")


def deviation_events() -> list[DomainEvent]:
    events: list[DomainEvent] = []
    unit, other_unit = new_id(), new_id()

    # avvikelse: the straight road, then reopened, moved to another unit, category set/changed/cleared
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="Fallolycka",
                                reported_at=at(0), reported_by="staff-1", occurred_at=at(-2),
                                immediate_action="Lyfte upp brukaren", category_id=new_id())
    case.receive(by="chef", at=at(1))
    case.start_investigation(by="chef", at=at(2))
    case.flag_possible_elsewhere(by="chef", at=at(2))  # kept through closing and reopening
    _investigate(case)
    case.complete_investigation(by="chef", at=at(4))
    case.reopen_investigation(by="chef", at=at(5))
    case.complete_investigation(by="chef", at=at(6))
    case.close(by="chef", at=at(7), open_action_count=0)
    case.reopen(by="chef", at=at(8))
    case.reassign_unit(other_unit)
    case.change_category(new_id())
    case.change_category(None)
    case.change_category(new_id())
    events += case.events

    # changes while reported and received
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-2")
    case.change_category(new_id())
    case.reassign_unit(other_unit)
    case.receive(by="chef", at=at(1))
    case.reassign_unit(unit)
    case.change_category(new_id())
    case.start_investigation(by="chef", at=at(2))
    _investigate(case)
    case.complete_investigation(by="chef", at=at(3))
    case.reassign_unit(other_unit)
    case.change_category(None)
    events += case.events

    # the process step: named at report, changed, cleared and linked again while the case is handled
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-2", process_step_id=new_id())
    case.link_process_step(new_id())
    case.receive(by="chef", at=at(1))
    case.link_process_step(None)
    case.start_investigation(by="chef", at=at(2))
    case.link_process_step(new_id())
    _investigate(case)
    case.complete_investigation(by="chef", at=at(3))
    case.link_process_step(new_id())
    events += case.events

    # the classification beside the category (issue 14): händelsetyp and place named at report, changed and cleared;
    # the consequence scored on the default scale, on a wider one, and cleared
    from ordning_deviations import classification as cl
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-2", event_type="fall", place_id=new_id())
    wider = cl.ConsequenceScale(3, tuple(f"Steg {n}" for n in range(1, 6)))
    for step, (code, score, scale) in enumerate((("hot_och_vald", 4, cl.DEFAULT_SCALE), (None, 5, wider),
                                                 ("lakemedel", None, cl.DEFAULT_SCALE), ("ovrigt", 1, wider))):
        cl.change_event_type(case, code)
        cl.change_place(case, new_id() if code else None)
        cl.score_consequence(case, score, scale)
        if step == 0:
            case.receive(by="chef", at=at(1))
        elif step == 1:
            case.start_investigation(by="chef", at=at(2))
        elif step == 2:
            _investigate(case)
            case.complete_investigation(by="chef", at=at(3))
    events += case.events

    # lex Sarah and lex Maria: serious, reported to IVO (and corrected), revised, closed, reopened
    for kind in dev.LEX_KINDS:
        case = dev.Deviation.report(tenant=TENANT, kind=kind, unit_id=unit, description="Missförhållande",
                                    reported_at=at(0), reported_by="staff-3")
        case.receive(by="chef", at=at(1))
        case.start_investigation(by="chef", at=at(2))
        case.decide_seriousness(True, decided_by="mas-1", decided_at=at(3))
        case.record_ivo_report(date(2025, 3, 5), reference="IVO 3.1.1-12345/2025", by="mas-1")
        case.record_ivo_report(date(2025, 3, 6), reference="IVO 3.1.1-12346/2025", by="mas-1")
        _investigate(case)
        case.complete_investigation(by="chef", at=at(5))
        case.decide_seriousness(True, decided_by="mas-1", decided_at=at(6))  # revised while investigated
        case.flag_possible_elsewhere(by="chef", at=at(6))
        case.clear_possible_elsewhere(by="chef", at=at(6))
        case.flag_possible_elsewhere(by="chef", at=at(6))
        case.record_ivo_report(date(2025, 3, 7), reference="IVO 3.1.1-12347/2025")  # corrected while investigated
        case.close(by="chef", at=at(7), open_action_count=0)
        case.reopen(by="chef", at=at(8))
        case.change_category(new_id())
        events += case.events

        # decided not serious: closed without an IVO report (serious: false in closed.v1)
        case = dev.Deviation.report(tenant=TENANT, kind=kind, unit_id=unit, description="x",
                                    reported_at=at(0), reported_by="staff-3")
        case.receive(by="chef", at=at(1))
        case.start_investigation(by="chef", at=at(2))
        case.decide_seriousness(False, decided_by="chef", decided_at=at(3))
        _investigate(case)
        case.complete_investigation(by="chef", at=at(5))
        case.close(by="chef", at=at(6), open_action_count=0)
        events += case.events

    # the IVO steps (issue 14): kompletteringar, IVO's decision (every outcome), a händelseanalys (every method),
    # in both open statuses; an external provider's own report and the municipality's follow-up
    today = date(2025, 6, 30)
    outcomes = list(dev.IvoDecisionOutcome)
    methods = list(dev.AnalysisMethod)
    follow_ups = list(dev.FollowUpOutcome)
    for n in range(max(len(outcomes), len(methods), len(follow_ups))):
        for complete in (False, True):
            case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_maria, unit_id=unit, description="x",
                                        reported_at=at(0), reported_by="staff-3")
            case.receive(by="chef", at=at(1))
            case.start_investigation(by="chef", at=at(2))
            if complete:
                _investigate(case)
                case.complete_investigation(by="chef", at=at(3))
            case.decide_seriousness(True, decided_by="mas-1", decided_at=at(3))
            case.record_ivo_report(date(2025, 3, 5), reference="IVO 3.1.1-1/2025", by="mas-1", today=today)
            supplement = case.request_ivo_supplement(date(2025, 3, 20), "Komplettera", date(2025, 4, 3), today=today)
            case.request_ivo_supplement(date(2025, 3, 21), "Mer", None, today=today)
            case.answer_ivo_supplement(supplement.id, date(2025, 3, 30), today=today)
            case.record_ivo_decision(date(2025, 5, 2), outcomes[n % len(outcomes)], None, today=today)
            case.record_ivo_decision(date(2025, 5, 3), outcomes[n % len(outcomes)], "IVO 3.1.1-1/2025-9", today=today)
            action = new_id()
            case.record_event_analysis(methods[n % len(methods)], [{"role": "ssk", "name": "Sara"}],
                                       [{"category": category.value, "text": "Orsak",
                                         "action_ids": [action] if i == 0 else []}
                                        for i, category in enumerate(dev.RootCauseCategory)],
                                       date(2025, 3, 25), today=today, action_ids=[action])
            events += case.events

            case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_sarah, unit_id=unit, description="x",
                                        reported_at=at(0), reported_by="staff-3")
            case.external_provider = True
            case.receive(by="chef", at=at(1))
            case.start_investigation(by="chef", at=at(2))
            if complete:
                _investigate(case)
                case.complete_investigation(by="chef", at=at(3))
            case.decide_seriousness(True, decided_by="chef", decided_at=at(3))
            case.record_provider_report(date(2025, 3, 4), None, today=today)
            case.follow_up_provider_report(date(2025, 3, 10), "chef", "Tillräckligt", follow_ups[n % len(follow_ups)],
                                           today=today)
            events += case.events
    # issue 14: a citizen's klagomål reclassified to lex Sarah (informed, decided with an outcome), then to lex Maria
    # and back to klagomål (the decision and the informing removed); a lex Maria case's informing not done, corrected
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.klagomal, unit_id=unit, description="Ensam en natt",
                                reported_at=at(0), origin=dev.Origin.citizen)
    case.receive(by="chef", at=at(1))
    case.start_investigation(by="chef", at=at(2))
    case.reclassify(dev.Kind.lex_sarah, "other", by="chef", at=at(3), policy=dev.DEFAULT_DEADLINES[dev.Kind.lex_sarah],
                    note="Anhörig berättade mer")
    case.record_informing("chef", at(3), informed_on=dev.local_date(at(3)), method="letter",
                          recipient="person_concerned", view="Hon vill byta enhet")
    case.decide_seriousness(None, decided_by="fchef-1", decided_at=at(3), outcome="patagligt_risk_for_missforhallande",
                            motivering="Risk för upprepning", delegation_reference="Delegationsordning p. 4.2")
    case.reclassify(dev.Kind.lex_maria, "wrong_kind_reported", by="chef", at=at(4),
                    policy=dev.DEFAULT_DEADLINES[dev.Kind.lex_maria])
    case.reclassify(dev.Kind.klagomal, "new_facts", by="chef", at=at(4),
                    policy=dev.DEFAULT_DEADLINES[dev.Kind.klagomal], category_fits=False)
    events += case.events
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_maria, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-3")
    case.record_informing("chef", at(1), not_informed_reason="other", note="Patienten är utomlands")
    case.reclassify(dev.Kind.avvikelse, "wrong_kind_reported", by="chef", at=at(1),
                    policy=dev.DEFAULT_DEADLINES[dev.Kind.avvikelse])
    case.receive(by="chef", at=at(1))
    case.reclassify(dev.Kind.lex_maria, "new_facts", by="chef", at=at(1),
                    policy=dev.DEFAULT_DEADLINES[dev.Kind.lex_maria])
    case.record_informing("chef", at(2), not_informed_reason="deceased_no_relatives")
    case.start_investigation(by="chef", at=at(2))
    _investigate(case)
    case.complete_investigation(by="chef", at=at(3))
    case.reclassify(dev.Kind.lex_sarah, "investigation_finding", by="chef", at=at(3),
                    policy=dev.DEFAULT_DEADLINES[dev.Kind.lex_sarah])
    for method, recipient in (("in_person", "narstaende"), ("phone", "legal_representative"), ("digital", "narstaende"),
                              ("other", "person_concerned")):
        case.record_informing("chef", at(3), informed_on=dev.local_date(at(3)), method=method, recipient=recipient)
    for reason in ("declined", "unable", "unreachable"):
        case.record_informing("chef", at(3), not_informed_reason=reason)
    for outcome in dev.LEX_OUTCOMES[dev.Kind.lex_sarah]:
        case.decide_seriousness(None, decided_by="fchef-1", decided_at=at(3), outcome=outcome, motivering="Skäl")
    events += case.events
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_maria, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-3")
    case.receive(by="chef", at=at(1))
    case.start_investigation(by="chef", at=at(2))
    for outcome in dev.LEX_OUTCOMES[dev.Kind.lex_maria]:
        case.decide_seriousness(None, decided_by="mas-1", decided_at=at(3), outcome=outcome, motivering="Skäl")
    events += case.events

    # citizen klagomål (anonymous) and synpunkt closed straight from received, then reopened
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.klagomal, unit_id=unit, description="Maten var kall",
                                reported_at=at(0), origin=dev.Origin.citizen)
    case.receive(by="chef", at=at(1))
    case.start_investigation(by="chef", at=at(2))
    _investigate(case)
    case.complete_investigation(by="chef", at=at(4))
    case.close(by="chef", at=at(5), open_action_count=0)
    events += case.events

    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.synpunkt, unit_id=unit, description="Bra personal",
                                reported_at=at(0), origin=dev.Origin.citizen, anonymous=False)
    case.receive(by="chef", at=at(1))
    case.close(by="chef", at=at(2), open_action_count=0)
    case.reopen(by="chef", at=at(3))
    events += case.events

    # retention: a staff case and a citizen's, pseudonymised when their retention has ended
    expired = at(24 * 366 * 6)
    staff_case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                      reported_at=at(0), reported_by="staff-5", category_id=new_id())
    citizen_case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.synpunkt, unit_id=unit, description="x",
                                        reported_at=at(0), origin=dev.Origin.citizen)
    for case in (staff_case, citizen_case):
        case.receive(by="chef", at=at(1))
        if case.kind is dev.Kind.avvikelse:
            case.start_investigation(by="chef", at=at(2))
            _investigate(case)
            case.complete_investigation(by="chef", at=at(3))
        case.close(by="chef", at=at(4), open_action_count=0)
        case.pseudonymise(at=expired, policy=dev.retention_for(case.kind))
        events += case.events

    # rejected (avvisat) at intake: spam straight away, a received duplicate, another reason with a note
    for kind, received, reason, details in (
            (dev.Kind.klagomal, False, "spam", {}),
            (dev.Kind.lex_sarah, True, "duplicate", {"duplicate_of": "2025-000012"}),
            (dev.Kind.synpunkt, True, "other", {"note": "Gäller en annan kommun"})):
        case = dev.Deviation.report(tenant=TENANT, kind=kind, unit_id=unit, description="x", reported_at=at(0),
                                    reported_by="staff-5")
        if received:
            case.receive(by="chef", at=at(1))
        case.reject(by="chef", at=at(2), reason=reason, open_action_count=0, **details)
        events += case.events

    # issue 14: a staff klagomål, its complainant recorded with every relation and channel, answered through
    # every channel (on time, then a late correction), and feedback written to its reporter, also once closed
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.klagomal, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-6")
    channels, relations = list(dev.ContactChannel), list(dev.ComplainantRelation)
    advance = {2: lambda: case.receive(by="chef", at=at(1)),
               4: lambda: (case.start_investigation(by="chef", at=at(2)), _investigate(case)),
               6: lambda: case.complete_investigation(by="chef", at=at(3))}
    for i, channel in enumerate(channels):  # through the open statuses: each event in each of them
        advance.get(i, lambda: None)()
        case.record_complainant(relations[i % len(relations)], channel, at=at(1))
        answered_on = case.answer_due if i == 0 else case.answer_due + timedelta(days=1)
        case.record_answer(answered_on, channel, by="chef", today=case.answer_due + timedelta(days=5))
        if i % 2 == 0:
            case.write_reporter_feedback("Vi har ändrat rutinen.", at=at(4))
    case.write_reporter_feedback("Vi har ändrat rutinen.", at=at(4))
    case.close(by="chef", at=at(5), open_action_count=0)
    case.write_reporter_feedback("Rutinen är ändrad.", at=at(6))
    events += case.events
    rejected = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                    reported_at=at(0), reported_by="staff-6")
    rejected.reject(by="chef", at=at(1), reason="spam", open_action_count=0)
    rejected.write_reporter_feedback("Det var en dubbel rapport.", at=at(2))
    events += rejected.events

    # a staff synpunkt, local time zone
    stockholm = T0.astimezone(dev.STOCKHOLM)
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.synpunkt, unit_id=unit, description="x",
                                reported_at=stockholm, reported_by="staff-4", occurred_at=stockholm)
    events += case.events
    events += casework_events(unit, other_unit)
    return events


def casework_events(unit: str, other_unit: str) -> list[DomainEvent]:
    """Issue 14 item 8: an investigator assigned, changed and cleared; an involved unit named at report, changed and
    cleared; a rejection linking its master (at intake) and cases closed as duplicates from every open status."""
    events: list[DomainEvent] = []
    master = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_maria, unit_id=unit, description="x",
                                  reported_at=at(0), reported_by="staff-6", involved_unit_id=other_unit)
    master.assign_investigator("user-7")
    master.change_involved_unit(None)
    master.receive(by="chef", at=at(1))
    master.assign_investigator("a1b2c3d4-e5f6-4789-8abc-def012345678|idp")
    master.change_involved_unit(new_id())
    master.start_investigation(by="chef", at=at(2))
    master.change_involved_unit(None)
    master.assign_investigator("user-8")
    _investigate(master)
    master.complete_investigation(by="chef", at=at(3))
    master.assign_investigator(None)
    master.change_involved_unit(other_unit)
    events += master.events
    for steps in ((), ("receive",), ("receive", "start_investigation"),
                  ("receive", "start_investigation", "complete_investigation")):
        case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.lex_maria, unit_id=unit, description="x",
                                    reported_at=at(0), reported_by="staff-6")
        for hour, step in enumerate(steps, start=1):
            if step == "complete_investigation":
                _investigate(case)
            getattr(case, step)(by="chef", at=at(hour))
        case.close_as_duplicate(by="chef", at=at(6), master=master, master_reference="2025-000031",
                                open_action_count=0)
        events += case.events
    case = dev.Deviation.report(tenant=TENANT, kind=dev.Kind.avvikelse, unit_id=unit, description="x",
                                reported_at=at(0), reported_by="staff-6")
    case.reject(by="chef", at=at(1), reason="duplicate", open_action_count=0, duplicate_of="2025-000031",
                duplicate_of_id=master.id)
    events += case.events
    return events


def org_unit_events() -> list[DomainEvent]:
    board = org.OrgUnit.create(tenant=TENANT, kind=org.UnitKind.BOARD, name="Socialnämnden")
    administration = org.OrgUnit.create(tenant=TENANT, kind="administration", name="Socialförvaltningen",
                                        parent=board)
    other_administration = org.OrgUnit.create(tenant=TENANT, kind="administration", name="Äldreförvaltningen",
                                              parent=board)
    division = org.OrgUnit.create(tenant=TENANT, kind="division", name="Äldreomsorg", parent=administration)
    unit = org.OrgUnit.create(tenant=TENANT, kind="unit", name="Hemtjänst Norr", parent=division)
    provider = org.OrgUnit.create(tenant=TENANT, kind="external_provider", name="Omsorg AB", parent=board,
                                  unit_id=new_id())
    unit.rename("Hemtjänst Nord", at=at(1))
    unit.move(other_administration, ancestors_of_new_parent=[board.id])
    division.move(other_administration, ancestors_of_new_parent=[board.id])
    unit.move(division, ancestors_of_new_parent=[other_administration.id, board.id])
    unit.set_external_provider(True)  # an enhet run by a private provider
    unit.set_external_provider(False)
    unit.close(at=at(2), open_children=0)
    provider.close(at=datetime(2025, 3, 3, 9, 0), open_children=0)  # naive: taken as UTC
    events = []
    for each in (board, administration, other_administration, division, unit, provider):
        events += each.pull_events()
    return events


def goal_events() -> list[DomainEvent]:
    """A quality goal's measurements: met, partly and not met, a decimal comma and a negative value."""
    goal = org.QualityGoal.create(tenant=TENANT, unit_id=new_id(), title="Avvikelser utreds skyndsamt",
                                  description="Inom 14 dagar", period_start=date(2026, 1, 1),
                                  period_end=date(2026, 12, 31))
    share = org.Indicator.create(tenant=TENANT, goal_id=goal.id, name="Andel utredda inom 14 dagar",
                                 unit_of_measure="percent", direction="higher_is_better", target=90, threshold=80,
                                 frequency="monthly")
    change = org.Indicator.create(tenant=TENANT, goal_id=goal.id, name="Förändring", unit_of_measure="count",
                                  direction="target_range", target=-5, target_max=5, frequency="quarterly")
    for version, (text, value) in enumerate((("2026-01", "95"), ("2026-02", "85,5"), ("2026-03", "70")), start=1):
        goal.record(share, org.parse_period(text, share.frequency), org.parse_value(value), "Två sena",
                    version=version)
    goal.record(change, org.parse_period("2026-Q1", change.frequency), org.parse_value("-2,25"), None, version=1)
    return goal.pull_events()


def action_events() -> list[DomainEvent]:
    def new(origin_type="deviation", **kw) -> ImprovementAction:
        return ImprovementAction.create(tenant=TENANT, origin_type=origin_type, origin_id=new_id(),
                                        unit_id=new_id(), title="Inför dubbelkontroll", owner="chef-1",
                                        due_date=date(2025, 4, 1), description="Vid delning av läkemedel",
                                        at=at(0), **kw)

    done = new()
    done.update(title="Inför dubbelkontroll vid delning")
    done.update(due_date=date(2025, 4, 15))
    done.start()
    done.update(owner="chef-2")
    done.update(title="Dubbelkontroll i hela hemtjänsten")
    done.update(due_date=date(2025, 5, 1), description="Vid all delning")
    done.complete(at=at(5), effect_followup="Följs upp i egenkontrollen i maj")
    done.reopen()
    done.complete(at=at(6))
    cancelled = new()
    cancelled.cancel()
    cancelled.reopen()
    cancelled.start()
    cancelled.cancel()
    quick = new()
    quick.complete(at=at(1))
    of_a_risk = new(origin_type="risk")  # a risk analysis's action: the same events, origin risk
    of_a_risk.update(title="Introduktion för vikarier")
    of_a_risk.update(due_date=date(2025, 6, 1))
    of_a_risk.update(owner="chef-3")
    of_a_risk.start()
    of_a_risk.complete(at=at(2), effect_followup="Stickprov")
    of_a_risk.reopen()
    of_a_risk.cancel()
    return done.events + cancelled.events + quick.events + of_a_risk.events


def risk_events() -> list[DomainEvent]:
    events: list[DomainEvent] = []
    unit, administration, board = new_id(), new_id(), new_id()
    triggers = [("yearly", None, None), ("new_process", None, None), ("deviations_elsewhere", None, None),
                ("serious_deviation", None, None),
                ("other", None, "Ny lagstiftning")]
    triggers += [("larger_change", change.value, None) for change in risks.ChangeKind]
    scopes = list(risks.ScopeType)
    for index, (trigger, change, note) in enumerate(triggers):
        analysis = risks.RiskAnalysis.create(
            tenant=TENANT, title="Sommarbemanning", scope_type=scopes[index % len(scopes)], scope_id=new_id(),
            unit_id=unit, trigger=trigger, trigger_change=change, trigger_note=note,
            analysis_date=date(2025, 5, 12), matrix_version=1, at=at(0), by="chef-1")
        analysis.start(at(1), matrix_version=2)
        risk = risks.Risk.identify(analysis, description="Fel dos", causes=["Vikarier"], at=at(2), by="chef-1")
        risk.score(analysis, risks.DEFAULT_MATRIX, kind="initial", probability=1 + index % 4,
                   consequence=4 - index % 4, at=at(3), by="chef-1")
        risk.score(analysis, risks.DEFAULT_MATRIX, kind="residual", probability=1, consequence=1, at=at(4),
                   by="chef-1")
        analysis.complete(at(5), unscored_risks=0, risk_count=1)
        analysis.reopen(at(6))
        analysis.complete(at(7), unscored_risks=0, risk_count=1)
        analysis.follow_up(at(8), open_actions=0)
        first = risk.escalate(to_unit_id=administration, reason="Bemanning", units_above=[administration, board],
                              at=at(9), by="chef-1")
        risk.decide_escalation(first.id, accept=False, reason="Hanteras på enheten", at=at(10), by="chef-2")
        second = risk.escalate(to_unit_id=administration, reason="Igen", units_above=[administration, board],
                               at=at(11), by="chef-1")
        risk.decide_escalation(second.id, accept=True, reason=None, at=at(12), by="chef-2")
        events += analysis.events + risk.events
    return events + proposal_events(unit, administration) + matrix_events()


def square_matrix(size: int) -> risks.RiskMatrix:
    """A size × size matrix of the tenant's own: three levels by score, its own words and colours."""
    def level(p, c):
        return "hog" if p * c >= size * size // 2 else "medel" if p * c >= size else "lag"
    return risks.RiskMatrix.from_dict({
        "probability_steps": [{"value": i, "label": f"Sannolikhet {i}", "description": "Text"} for i in range(1, size + 1)],
        "consequence_steps": [{"value": i, "label": f"Konsekvens {i}"} for i in range(1, size + 1)],
        "levels": [{"code": "lag", "label": "Låg", "colour": "#00AA00"},
                   {"code": "medel", "label": "Medel", "colour": "#ffcc00"},
                   {"code": "hog", "label": "Hög risk", "colour": "#cc0000"}],
        "cells": [{"probability": p, "consequence": c, "level": level(p, c)}
                  for p in range(1, size + 1) for c in range(1, size + 1)],
        "plan_threshold": "medel"})


def matrix_events() -> list[DomainEvent]:
    """A tenant's matrix: the default as version 1, then a 3×3 and a 5×5 of its own."""
    return [risks.events.matrix_changed(TENANT, version, matrix, at(version))
            for version, matrix in enumerate((risks.DEFAULT_MATRIX, square_matrix(3), square_matrix(5)), start=1)]


def proposal_events(unit: str, analysis_id: str) -> list[DomainEvent]:
    """Risk proposals from cases of every kind, for both reasons, through every change of a proposal."""
    events: list[DomainEvent] = []
    for kind in dev.Kind:
        for reason in risk_proposal.ProposalReason:
            for accepted in (True, False):
                proposal = risk_proposal.RiskProposal.propose(
                    tenant=TENANT, reason=reason, deviation_id=new_id(), deviation_kind=kind.value,
                    source_unit_id=unit,
                    unit_id=unit if reason is risk_proposal.ProposalReason.serious_deviation else new_id(), at=at(0))
                proposal.withdraw(at(1))
                proposal.reopen(at(2))
                if accepted:
                    proposal.accept(analysis_id=analysis_id, risk_id=new_id(), at=at(3), by="chef-1")
                else:
                    proposal.dismiss(reason="Redan analyserad", at=at(3), by="chef-1")
                events += proposal.events
    return events


def document_events() -> list[DomainEvent]:
    """A governing document's versions: the first established, a second superseding it, its review due."""
    unit, linked, step = new_id(), new_id(), new_id()
    kinds = list(docs.DocumentKind)
    events = []
    for index, kind in enumerate(kinds):
        first = docs.DocumentVersion.first_draft(tenant=TENANT, kind=kind, owner_unit_id=unit, title="Rutin",
                                                 body="Text", unit_ids=[linked], step_ids=[step], author="a",
                                                 at=at(0))
        first.submit(by="a", at=at(1))
        first.establish(by="b", at=at(2), decision_reference="SN 1", review_date=date(2027, 1, 1 + index),
                        self_approval_allowed=False, previous=None)
        second = first.new_version(author="a", at=at(3))
        second.submit(by="a", at=at(4))
        second.establish(by="b", at=at(5), decision_reference="SN 2", review_date=date(2028, 1, 1),
                         self_approval_allowed=False, previous=first)
        due = docs.review_due_event(tenant=TENANT, document_id=first.document_id,
                                    revision=second.document_revision + 1, kind=kind.value, owner_unit_id=unit,
                                    version=second.number, review_date=date(2028, 1, 1))
        events += first.events + second.events + [due]
    return events


def role_events() -> list[DomainEvent]:
    events: list[DomainEvent] = []
    for index, role in enumerate(list(org.RoleKind) * 2):  # every role assigned, and ended
        place = {"process_id": new_id()} if role in org.PROCESS_ROLES else {"unit_id": new_id()}
        assignment = org.RoleAssignment.assign(
            tenant=TENANT, role=role, user_id=f"demo-user-{index}", display_name="Anna Andersson",
            valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31) if index % 2 else None, at=at(0), **place)
        if index % 2 == 0 or index >= len(org.RoleKind):
            assignment.end(at(24 * 30))
        events += assignment.pull_events()
    return events


def process_events() -> list[DomainEvent]:
    """Each kind of process, of its own and as a delprocess: established, revised twice."""
    events: list[DomainEvent] = []
    unit = new_id()
    parent = None
    for kind in org.ProcessKind:
        process = org.Process.draft_new(tenant=TENANT, unit_id=unit, kind=kind, parent=parent, at=at(0), by="admin",
                                        content={"name": "Myndighetsutövning", "steps": [{"name": "Utreda"}]})
        process.establish(at=at(1), by="admin", established_on=date(2025, 3, 3), decision_reference="SN § 1/2025")
        for hours in (2, 3):
            process.revise(at=at(hours), by="admin")
            process.establish(at=at(hours), by="admin", established_on=date(2025, 4, hours), decision_reference=None)
        events += process.events
        parent = process
    return events


def report_events() -> list[DomainEvent]:
    """Each kind of yearly report finished, a förvaltning's and the municipality's (a Stockholm moment: UTC on the
    bus)."""
    events: list[DomainEvent] = []
    for index, kind in enumerate(reports.ReportKind):
        for scope, unit in ((reports.ScopeType.administration, new_id()), (reports.ScopeType.municipality, None)):
            report = reports.Report(id=new_id(), tenant=TENANT, kind=kind, scope_type=scope, scope_unit_id=unit,
                                    year=2025, created_at=at(0), created_by="kvalitet-1",
                                    figures={"suppression": {"threshold": 5}}, version=3 + index)
            report.finish(by="mas-1", by_name="Anna Andersson", roles=["mas", "kvalitetsutvecklare"], charts={},
                          at=at(24).astimezone(dev.STOCKHOLM))
            events += report.events
    return events


def calendar_events() -> list[DomainEvent]:
    """A tenant's working calendar changed three times: every eve off, then none, then the default eves and two extra
    days off (a Stockholm moment: UTC on the bus)."""
    from ordning_shared.workdays import EVES

    calendars = (dev.WorkingCalendar(EVES), dev.WorkingCalendar(frozenset()),
                 dev.WorkingCalendar(extra_days_off=frozenset({date(2026, 5, 15), date(2026, 12, 28)})))
    return [dev.calendar_changed(TENANT, calendar, version, at(version).astimezone(dev.STOCKHOLM))
            for version, calendar in enumerate(calendars, start=1)]


def all_events() -> list[DomainEvent]:
    return (deviation_events() + org_unit_events() + action_events() + risk_events() + document_events()
            + role_events() + process_events() + goal_events() + report_events() + calendar_events())


def aggregate_of(event_type: str) -> str:
    return event_type.split(".")[2]


def subject_key(event_type: str) -> str:
    """The data field the subject names: a risk analysis's events are the analysis's, a risk proposal's the
    proposal's, the other risk events the risk's."""
    if event_type.startswith("se.ordning.risk.analysis_"):
        return "analysis_id"
    if event_type.startswith("se.ordning.risk.proposal_"):
        return "proposal_id"
    if event_type.startswith("se.ordning.risk.matrix_"):
        return "matrix_id"
    return SUBJECT_KEY[aggregate_of(event_type)]


def envelope(event: DomainEvent, traceparent: str | None = TRACEPARENT) -> dict:
    """The event as it goes on the wire: the real envelope, serialized and read back."""
    cloudevent = to_cloudevent(event, SERVICE_OF[aggregate_of(event.type)], traceparent)
    return json.loads(serialize(cloudevent))


EVENTS = all_events()
EMITTED_TYPES = sorted({event.type for event in EVENTS})


def first_of(event_type: str) -> DomainEvent:
    return next(event for event in EVENTS if event.type == event_type)


# --------------------------------------------------------------------------
# 1. Every emitted event matches its message
# --------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(len(EVENTS)), ids=[f"{i}-{e.type}" for i, e in enumerate(EVENTS)])
def test_emitted_event_matches_its_payload_schema(index):
    event = EVENTS[index]
    messages = messages_by_type()
    assert event.type in messages, f"{event.type} is emitted but not in docs/asyncapi.yaml"
    key = messages[event.type]
    for traceparent in (TRACEPARENT, None):
        body = envelope(event, traceparent)
        errors = sorted(validator(key, "payload").iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
        assert body["subject"] == body["data"][subject_key(event.type)]
        assert ("traceparent" in body) is (traceparent is not None)

        headers = amqp_headers(body)
        errors = list(validator(key, "headers").iter_errors(headers))
        assert not errors, "\n".join(e.message for e in errors)


def test_every_event_carries_its_aggregates_version_as_sequence():
    """`sequence` (ten digits) is the version or revision in data, and grows with each change of a subject."""
    last: dict[str, int] = {}
    for event in EVENTS:
        wire = envelope(event)
        # an org unit's and a document's events carry their revision; a document's `version` is the one it is about
        number = wire["data"]["revision" if aggregate_of(event.type) in ("org_unit", "document") else "version"]
        assert wire["sequence"] == f"{number:010d}", event.type
        assert number > last.get(event.subject, 0), f"{event.type} does not advance {event.subject}'s sequence"
        last[event.subject] = number


def test_every_event_type_is_emitted_in_each_of_its_variants():
    """The drive above reaches every enum value the catalogue admits (so no value is documented blindly)."""
    seen: dict[tuple[str, str], set] = {}
    for event in EVENTS:
        for name, value in event.data.items():
            if isinstance(value, list):  # a list of ids (a document's linked units) or of objects (a matrix's cells)
                value = tuple(json.dumps(item, sort_keys=True) if isinstance(item, dict) else item for item in value)
            seen.setdefault((event.type, name), set()).add(value if not isinstance(value, bool) else str(value))
    for event_type in EMITTED_TYPES:
        for name, schema in data_properties(event_type).items():
            if "enum" in schema and name not in ("kind",):
                assert set(schema["enum"]) <= seen[(event_type, name)], (event_type, name)


# --------------------------------------------------------------------------
# 2. Emitted types == documented types, and the document's routing
# --------------------------------------------------------------------------

def test_emitted_types_are_exactly_the_documented_types():
    documented = set(messages_by_type())
    emitted = set(EMITTED_TYPES)
    assert emitted - documented == set(), "emitted but undocumented"
    assert documented - emitted == set(), "documented but never emitted"
    # and the domain modules name no type the drive missed
    assert set(dev.EVENT_PAYLOAD_FIELDS) | set(org.ORG_EVENT_TYPES) | set(risks.EVENT_PAYLOAD_FIELDS) \
        | set(org.ROLE_EVENT_FIELDS) <= emitted
    assert set(org.PROCESS_EVENT_PAYLOAD_FIELDS) <= emitted
    assert set(org.GOAL_EVENT_TYPES) <= emitted
    assert set(reports.EVENT_PAYLOAD_FIELDS) <= emitted
    assert set(dev.CALENDAR_EVENT_FIELDS) <= emitted


def test_document_shape_and_routing():
    doc = catalogue()
    assert doc["asyncapi"] == "3.0.0"
    assert "no free text or personal data" in doc["info"]["description"]
    assert {server["protocol"] for server in doc["servers"].values()} == {"amqp"}
    messages = messages_by_type()
    channel_types = {}
    for key, channel in doc["channels"].items():
        refs = [ref["$ref"] for ref in channel["messages"].values()]
        assert refs == [f"#/components/messages/{messages[channel['address']]}"], key
        binding = resolve(channel["bindings"])["amqp"]
        assert binding["is"] == "routingKey"
        assert binding["exchange"] == {**binding["exchange"], "name": EXCHANGE, "type": "topic", "durable": True}
        channel_types[key] = channel["address"]
    assert sorted(channel_types.values()) == sorted(messages), "one channel per event type"
    sent = {}
    for name, operation in doc["operations"].items():
        assert operation["action"] == "send", name
        channel_key = operation["channel"]["$ref"].removeprefix("#/channels/")
        event_type = channel_types[channel_key]
        assert [tag["name"] for tag in operation["tags"]] == PUBLISHERS[aggregate_of(event_type)], name
        sent[event_type] = name
    assert sorted(sent) == sorted(messages), "one send operation per event type"
    for key, message in doc["components"]["messages"].items():
        assert message["contentType"] == CONTENT_TYPE, key
        assert message["payload"]["properties"]["data"]["additionalProperties"] is False, key
        assert message["payload"]["additionalProperties"] is False, key


def test_data_schemas_follow_the_domain_allow_lists():
    for event_type, fields in dev.EVENT_PAYLOAD_FIELDS.items():
        assert set(data_properties(event_type)) == fields, event_type
    for event_type, fields in risks.EVENT_PAYLOAD_FIELDS.items():
        assert set(data_properties(event_type)) == fields | {"version"}, event_type
    for event_type, fields in org.PROCESS_EVENT_PAYLOAD_FIELDS.items():
        assert set(data_properties(event_type)) == fields, event_type
    for event_type, fields in reports.EVENT_PAYLOAD_FIELDS.items():
        assert set(data_properties(event_type)) == fields, event_type
    for event_type, fields in dev.CALENDAR_EVENT_FIELDS.items():
        assert set(data_properties(event_type)) == fields, event_type
    for event_type in EMITTED_TYPES:
        if aggregate_of(event_type) == "action":
            assert set(data_properties(event_type)) == ACTION_EVENT_FIELDS, event_type
    for event_type, fields in docs.DOCUMENT_EVENT_FIELDS.items():
        assert set(data_properties(event_type)) == set(fields), event_type
    for event_type, fields in org.ROLE_EVENT_FIELDS.items():
        assert set(data_properties(event_type)) == fields, event_type
        assert set(RoleEventDataSchema().fields) >= fields
    org_fields = set()
    for event_type in org.ORG_EVENT_TYPES:
        org_fields |= set(data_properties(event_type))
    assert org_fields == set(OrgUnitEventDataSchema().fields)
    for event_type in org.GOAL_EVENT_TYPES:
        assert set(data_properties(event_type)) == set(MeasurementRecordedEventDataSchema().fields), event_type


def test_enums_follow_the_domain():
    schemas = catalogue()["components"]["schemas"]
    assert schemas["DeviationKind"]["enum"] == [k.value for k in dev.Kind]
    assert set(schemas["LexKind"]["enum"]) == {k.value for k in dev.LEX_KINDS}
    assert schemas["DeviationOrigin"]["enum"] == [o.value for o in dev.Origin]
    assert schemas["OrgUnitKind"]["enum"] == [k.value for k in org.UnitKind]
    assert schemas["DocumentKind"]["enum"] == [k.value for k in docs.DocumentKind]
    assert schemas["RoleCode"]["enum"] == [k.value for k in org.RoleKind]
    assert schemas["UserId"]["pattern"] == org.USER_ID_PATTERN.pattern
    assert schemas["ProcessKind"]["enum"] == [k.value for k in org.ProcessKind]
    assert schemas["ReportKind"]["enum"] == [k.value for k in reports.ReportKind]
    assert schemas["WorkingCalendarEve"]["enum"] == sorted(dev.EVES)
    assert set(schemas["ReportScopeType"]["enum"]) == {s.value for s in reports.ScopeType}
    assert schemas["RiskScopeType"]["enum"] == [k.value for k in risks.ScopeType]
    assert schemas["RiskTrigger"]["enum"] == [k.value for k in risks.Trigger]
    assert schemas["RiskTriggerChange"]["enum"] == [k.value for k in risks.ChangeKind] + [None]
    assert schemas["RiskScoringKind"]["enum"] == [k.value for k in risks.ScoringKind]
    assert schemas["RiskProposalReason"]["enum"] == [r.value for r in risk_proposal.ProposalReason]
    assert schemas["RiskLevelCode"]["pattern"] == risks.matrix.LEVEL_CODE.pattern
    assert schemas["RiskLevelColour"]["pattern"] == risks.matrix.COLOUR.pattern
    for name in ("value", "label"):
        assert name in schemas["RiskMatrixStep"]["properties"]
    assert schemas["RiskMatrixStep"]["properties"]["value"]["maximum"] == risks.STEPS_MAX
    assert schemas["RiskMatrixStep"]["properties"]["label"]["maxLength"] == risks.matrix.LABEL_MAX
    assert schemas["RiskMatrixLevel"]["properties"]["label"]["maxLength"] == risks.matrix.LABEL_MAX
    matrix = data_properties(risks.events.MATRIX_CHANGED)
    assert matrix["levels"]["maxItems"] == risks.LEVELS_MAX and matrix["levels"]["minItems"] == risks.LEVELS_MIN
    for steps in ("probability_steps", "consequence_steps"):
        assert (matrix[steps]["minItems"], matrix[steps]["maxItems"]) == (risks.STEPS_MIN, risks.STEPS_MAX)
    assert all(risks.matrix.LEVEL_CODE.match(level.code) for level in risks.DEFAULT_LEVELS)
    statuses = {"deviation": {s.value for s in dev.Status}, "action": {s.value for s in ActionStatus},
                "risk": {s.value for s in risks.AnalysisStatus}}
    for event_type in EMITTED_TYPES:
        aggregate = aggregate_of(event_type)
        if aggregate in statuses and "status" in data_properties(event_type):  # the flag's events carry none
            assert set(data_properties(event_type)["status"]["enum"]) <= statuses[aggregate], event_type


# --------------------------------------------------------------------------
# 3. No free text
# --------------------------------------------------------------------------

STRING_FORMATS = {"uuid", "date", "date-time"}


def _is_typed(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        pass
    try:
        date.fromisoformat(value) if "T" not in value else datetime.fromisoformat(value)
        return True
    except ValueError:
        return False


def documented_fields(event_type: str):
    """(name, schema) of every field of the event's data, those inside arrays of objects as "<array>[].<field>"."""
    for name, schema in data_properties(event_type).items():
        items = resolve(schema.get("items") or {}) if schema.get("type") == "array" else {}
        if items.get("type") == "object":
            for inner, inner_schema in items["properties"].items():
                yield f"{name}[].{inner}", resolve(inner_schema)
        else:
            yield name, schema


def emitted_fields(event: DomainEvent):
    """(name, value, schema) of every value in the event's data, walking into arrays of objects (named as in
    documented_fields); a list of plain values (ids) comes whole."""
    schemas = data_properties(event.type)
    for name, value in event.data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            items = resolve(schemas[name]["items"])
            for item in value:
                for inner, inner_value in item.items():
                    yield f"{name}[].{inner}", inner_value, resolve(items["properties"][inner])
        else:
            yield name, value, schemas[name]


def test_every_documented_string_field_is_an_id_a_date_or_an_enum():
    for event_type in EMITTED_TYPES:
        for name, schema in documented_fields(event_type):
            types = schema.get("type")
            types = types if isinstance(types, list) else [types]
            if "string" not in types:
                continue
            if schema.get(FREE_TEXT_MARK):
                assert (event_type, name) in ALLOWED_FREE_TEXT, f"{event_type}.{name} is free text"
                continue
            if schema.get(CODE_MARK):
                assert schema["pattern"].startswith("^") and schema["pattern"].endswith("$")
                assert " " not in schema["pattern"] and "\\s" not in schema["pattern"], (event_type, name)
                continue
            assert schema.get("format") in STRING_FORMATS or "enum" in schema or "const" in schema, (
                f"{event_type}.{name} is a string that is neither an id, a date nor an enum")


def test_every_emitted_string_value_is_an_id_a_date_or_an_enum_value():
    for event in EVENTS:
        for name, value, schema in emitted_fields(event):
            if isinstance(value, list):  # a list of ids or dates, or of codes: every item is one of the items' schema
                items = resolve(schema["items"])
                if "enum" in items:
                    assert set(value) <= set(items["enum"]), (event.type, name)
                elif items.get(CODE_MARK):  # codes of a tenant's list (issue 14): each matches the pattern
                    assert all(re.fullmatch(items["pattern"], item) for item in value), (event.type, name)
                else:
                    assert items.get("format") in ("uuid", "date") and all(_is_typed(item) for item in value), (
                        event.type, name)
                continue
            if not isinstance(value, str):
                assert value is None or isinstance(value, (bool, int)), (event.type, name, value)
                continue
            if (event.type, name) in ALLOWED_FREE_TEXT:
                continue
            if "enum" in schema:
                assert value in schema["enum"], (event.type, name, value)
            elif schema.get(CODE_MARK):
                assert re.fullmatch(schema["pattern"], value), (event.type, name, value)
            else:
                assert _is_typed(value), (event.type, name, value)


@pytest.mark.parametrize("event_type", EMITTED_TYPES)
@pytest.mark.parametrize("extra", [{"description": "Brukaren Anna Andersson föll i badrummet"},
                                   {"reported_by": "anna.andersson@example.se"},
                                   {"ivo_reference": "IVO 3.1.1-12345/2025"}])
def test_an_undeclared_data_field_fails_validation(event_type, extra):
    body = envelope(first_of(event_type))
    body["data"].update(extra)
    with pytest.raises(jsonschema.ValidationError):
        validator(messages_by_type()[event_type], "payload").validate(body)


@pytest.mark.parametrize("event_type", EMITTED_TYPES)
def test_text_in_an_id_or_date_field_fails_validation(event_type):
    body = envelope(first_of(event_type))
    key = subject_key(event_type)
    tampered = copy.deepcopy(body)
    tampered["data"][key] = "Anna Andersson"
    with pytest.raises(jsonschema.ValidationError):
        validator(messages_by_type()[event_type], "payload").validate(tampered)
    moments = [name for name, schema in data_properties(event_type).items()
               if schema.get("format") in ("date", "date-time") and body["data"][name] is not None]
    for name in moments:
        tampered = copy.deepcopy(body)
        tampered["data"][name] = "igår på kvällen"
        with pytest.raises(jsonschema.ValidationError):
            validator(messages_by_type()[event_type], "payload").validate(tampered)


@pytest.mark.parametrize("tamper", [
    lambda data: data["probability_steps"][0].update(description="Brukaren Anna Andersson föll"),
    lambda data: data["levels"][0].update(colour="röd"),
    lambda data: data["levels"][0].update(code="Hög risk"),
    lambda data: data["levels"][0].update(label="x" * 101),
    lambda data: data["cells"][0].update(level="Anna Andersson"),
    lambda data: data["cells"][0].update(note="text"),
    lambda data: data["consequence_steps"].extend([{"value": 6, "label": "Sex"}] * 3),
], ids=["step description", "colour", "level code", "long label", "cell level", "cell note", "six steps"])
def test_a_matrix_event_admits_no_text_beyond_its_names(tamper):
    """The matrix's prose (a step's description) and anything else not declared inside its steps, levels and cells
    is refused, as a top-level field is."""
    body = envelope(first_of(risks.events.MATRIX_CHANGED))
    validator(messages_by_type()[risks.events.MATRIX_CHANGED], "payload").validate(body)
    tamper(body["data"])
    with pytest.raises(jsonschema.ValidationError):
        validator(messages_by_type()[risks.events.MATRIX_CHANGED], "payload").validate(body)


def test_the_matrix_event_carries_the_whole_version_without_descriptions():
    for event in (e for e in EVENTS if e.type == risks.events.MATRIX_CHANGED):
        data = event.data
        size_p, size_c = len(data["probability_steps"]), len(data["consequence_steps"])
        assert {(c["probability"], c["consequence"]) for c in data["cells"]} == {
            (p, c) for p in range(1, size_p + 1) for c in range(1, size_c + 1)}
        assert all(set(step) == {"value", "label"} for step in data["probability_steps"] + data["consequence_steps"])
        assert event.subject == data["matrix_id"] == risks.events.matrix_id(TENANT) and event.sequence == data["version"]
    assert [len(e.data["cells"]) for e in EVENTS if e.type == risks.events.MATRIX_CHANGED] == [16, 9, 25]


def test_an_undeclared_envelope_attribute_fails_validation():
    body = envelope(first_of(dev.REPORTED))
    body["reporter"] = "anna.andersson@example.se"
    with pytest.raises(jsonschema.ValidationError):
        validator(messages_by_type()[dev.REPORTED], "payload").validate(body)


# --------------------------------------------------------------------------
# 4. What the risks service consumes (docs/deviation-events-for-subscribers.md)
# --------------------------------------------------------------------------

RISKS_CONSUMES = {dev.SERIOUSNESS_DECIDED: "decided_at", dev.IVO_REPORTED: "ivo_reported_on",
                  dev.FLAGGED_POSSIBLE_ELSEWHERE: "flagged_at", dev.CLEARED_POSSIBLE_ELSEWHERE: "cleared_at"}


@pytest.mark.parametrize("event_type", sorted(RISKS_CONSUMES))
def test_each_event_the_risks_service_consumes_requires_what_a_proposal_needs(event_type):
    """The tenant and the order (sequence) in the envelope; the case, its kind and unit, its version and the
    date in data: a proposal for the case's unit is made, de-duplicated and ordered from the event alone."""
    message = catalogue()["components"]["messages"][messages_by_type()[event_type]]
    assert {"id", "source", "subject", "tenant", "sequence"} <= set(message["payload"]["required"])
    data = message["payload"]["properties"]["data"]
    assert {"deviation_id", "kind", "unit_id", "version", RISKS_CONSUMES[event_type]} <= set(data["required"])
    wire = envelope(first_of(event_type))
    assert wire["tenant"] == TENANT and wire["sequence"] == f"{wire['data']['version']:010d}"
    assert wire["data"][RISKS_CONSUMES[event_type]] is not None


def test_the_flag_events_carry_nothing_but_the_case_identity_and_their_moment():
    identity = {"deviation_id", "kind", "unit_id", "version"}
    assert set(data_properties(dev.FLAGGED_POSSIBLE_ELSEWHERE)) == identity | {"flagged_at"}
    assert set(data_properties(dev.CLEARED_POSSIBLE_ELSEWHERE)) == identity | {"cleared_at"}
    for event_type in (dev.FLAGGED_POSSIBLE_ELSEWHERE, dev.CLEARED_POSSIBLE_ELSEWHERE):
        for event in (e for e in EVENTS if e.type == event_type):
            assert set(event.data) == set(data_properties(event_type)), event_type
