import json

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from ordning_shared import observability
from ordning_shared.events import (CONTENT_TYPE, DomainEvent, amqp_headers, outbox_row, parse, serialize,
                                   to_cloudevent)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize("bad", [
    "", "deviation.reported.v1", "se.ordning.deviation.reported", "se.ordning.Deviation.reported.v1",
    "se.ordning.deviation.reported.v1.", "se.ordning..reported.v1", "se.ordning.deviation reported.v1",
    "com.example.deviation.reported.v1", "se.ordning.deviation.reported.vX",
])
def test_bad_type_names_are_rejected(bad):
    with pytest.raises(ValueError):
        DomainEvent(type=bad, tenant="0180", subject="s1")


@pytest.mark.parametrize("good", ["se.ordning.deviation.reported.v1", "se.ordning.org_unit.created.v12",
                                  "se.ordning.lex_sarah.report.filed.v2"])
def test_good_type_names(good):
    assert DomainEvent(type=good, tenant="0180", subject="s1").type == good


def read(body):
    return JSONFormat().read(CloudEvent, body)


def test_structured_json_round_trip():
    event = DomainEvent("se.ordning.deviation.reported.v1", "0180", "dev-1", {"unit_id": "u1", "severity": 2})
    body = serialize(to_cloudevent(event, "deviations", TRACEPARENT))
    document = json.loads(body)
    assert document["specversion"] == "1.0"
    assert document["data"] == {"unit_id": "u1", "severity": 2}
    parsed = read(body)
    attributes = parsed.get_attributes()
    assert attributes["specversion"] == "1.0"
    assert parsed.get_type() == "se.ordning.deviation.reported.v1"
    assert parsed.get_source() == "/ordning/0180/deviations"
    assert parsed.get_subject() == "dev-1"
    assert attributes["tenant"] == "0180"
    assert attributes["traceparent"] == TRACEPARENT
    assert attributes["datacontenttype"] == "application/json"
    assert parsed.get_time() is not None and parsed.get_time().utcoffset() is not None
    assert parsed.get_data() == {"unit_id": "u1", "severity": 2}
    assert parse(body).get_id() == parsed.get_id()


def test_ids_are_unique():
    event = DomainEvent("se.ordning.deviation.reported.v1", "0180", "dev-1")
    assert to_cloudevent(event, "d").get_id() != to_cloudevent(event, "d").get_id()


def test_no_traceparent_without_span():
    row = outbox_row(DomainEvent("se.ordning.deviation.reported.v1", "0180", "dev-1"), "deviations")
    assert row["traceparent"] is None
    assert "traceparent" not in read(row["body"]).get_attributes()


def test_outbox_row_carries_active_span_traceparent():
    observability.setup_tracing("test")
    with observability.tracer().start_as_current_span("unit-test") as span:
        row = outbox_row(DomainEvent("se.ordning.deviation.reported.v1", "0180", "dev-1", {"a": 1}),
                         "deviations")
        trace_id = format(span.get_span_context().trace_id, "032x")
    assert row["traceparent"] and trace_id in row["traceparent"]
    parsed = read(row["body"])
    assert parsed.get_attributes()["traceparent"] == row["traceparent"]
    assert row["event_id"] == parsed.get_id()
    assert row["type"] == "se.ordning.deviation.reported.v1"
    assert row["tenant"] == "0180"


def test_amqp_headers_copy_attributes():
    event = DomainEvent("se.ordning.deviation.reported.v1", "0180", "dev-1")
    attributes = json.loads(serialize(to_cloudevent(event, "deviations", TRACEPARENT)))
    assert amqp_headers(attributes) == {
        "cloudEvents_type": "se.ordning.deviation.reported.v1",
        "cloudEvents_source": "/ordning/0180/deviations",
        "cloudEvents_id": attributes["id"],
        "traceparent": TRACEPARENT,
    }
    attributes.pop("traceparent")
    assert "traceparent" not in amqp_headers(attributes)


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"specversion": "1.0", "id": "x"}', b"[]"])
def test_parse_rejects_non_cloudevents_with_value_error(body):
    # the consumer dead-letters ValueError at once: no retry can fix a body that is not a CloudEvent
    with pytest.raises(ValueError):
        parse(body)


def test_content_type():
    assert CONTENT_TYPE == "application/cloudevents+json"
