"""The platform's input hardening: its fields, its JSON parsing, path values, and what an error logs."""
import json
import logging

import pytest
import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, ValidationError

from ordning_shared import fields as f
from ordning_shared import http
from ordning_shared.testing import issue_token

MARKER = "19121212-1212"


# ---- fields ---------------------------------------------------------------

class Sample(Schema):
    text = f.Text(max_length=50)
    name = f.Name(max_length=20)
    flag = f.StrictBoolean()
    count = f.BoundedInteger(0, 365)
    at = f.AwareDateTime()
    day = f.Date()


class Query(Schema):
    flag = f.QueryBoolean()
    limit = f.BoundedInteger(1, 200, strict=False)


@pytest.mark.parametrize("data", [
    {"text": "a\x00b"}, {"text": "a\ud800"}, {"text": "a\x1bb"}, {"text": "x" * 51},
    {"name": "a\nb"}, {"name": "a\tb"}, {"name": "\u200b\u200c\u200d"}, {"name": "   "}, {"name": "\u202eabc"},
    {"name": "ab\u2066c"}, {"name": "a\u200fb"}, {"name": "\u061cx"}, {"name": "\u3164"}, {"name": "a\ud800"},
    {"flag": "yes"}, {"flag": "true"}, {"flag": 1}, {"flag": 0}, {"flag": None},
    {"count": 366}, {"count": -1}, {"count": "5"}, {"count": 1.5}, {"count": True},
    {"at": "0001-01-01T00:00:00+14:00"}, {"at": "9999-12-31T23:59:59-14:00"}, {"at": "1899-12-31T23:00:00+00:00"},
    {"at": "1900-01-01T00:30:00+01:00"}, {"day": "0001-01-01"}, {"day": "9999-12-31"}, {"day": "3000-01-01"},
])
def test_fields_refuse(data):
    with pytest.raises(ValidationError) as info:
        Sample().load(data)
    assert MARKER not in json.dumps(info.value.messages)


def test_fields_accept_and_normalise():
    loaded = Sample().load({"text": "rad ett\nrad två\tindrag", "name": "  Hemtjänst Norr ", "flag": False,
                            "count": 0, "at": "2026-03-01T10:00:00+01:00", "day": "2026-03-01"})
    assert loaded["name"] == "Hemtjänst Norr"
    assert loaded["text"] == "rad ett\nrad två\tindrag"
    assert loaded["flag"] is False and loaded["count"] == 0
    assert loaded["at"].utcoffset().total_seconds() == 3600
    # a letter with a combining mark, an emoji with joiners, right-to-left text: visible, allowed
    assert Sample().load({"name": "e\u0301 👩\u200d👩\u200d👧 سلام"})["name"] == "e\u0301 👩\u200d👩\u200d👧 سلام"


def test_naive_datetime_is_swedish_time():
    loaded = Sample().load({"at": "2026-03-01T10:00:00"})["at"]
    assert loaded.astimezone(f.LOCAL_ZONE).isoformat() == "2026-03-01T10:00:00+01:00"


@pytest.mark.parametrize("args", [{"flag": "yes"}, {"flag": "1"}, {"flag": "True"}, {"limit": "7" * 5000},
                                  {"limit": "0"}, {"limit": "1e3"}])
def test_query_fields_refuse(args):
    with pytest.raises(ValidationError):
        Query().load(args)


def test_query_fields_accept():
    assert Query().load({"flag": "false", "limit": "20"}) == {"flag": False, "limit": 20}


# ---- JSON bodies ------------------------------------------------------------

@pytest.mark.parametrize("text, says", [
    ('{"a": 1, "a": 2}', "'a' appears twice"),
    ('{"o": {"b": 1, "b": 1}}', "'b' appears twice"),
    ("[" * 10_000 + "]" * 10_000, "nested deeper than 64"),
    ("[" * 65 + "]" * 65, "nested deeper than 64"),
    ('{"n": ' + "7" * 5000 + "}", "more than 40 characters"),
    ('{"n": 1.' + "5" * 100 + "}", "more than 40 characters"),
    ('{"n": NaN}', "NaN is not JSON"),
    ('{"n": Infinity}', "Infinity is not JSON"),
    ('{"s": "a\\ud800"}', "lone surrogate"),
    ('{"\\udc00": 1}', "lone surrogate"),
    ('["\\ude00\\ud83d"]', "lone surrogate"),
])
def test_strict_json_refuses(text, says):
    with pytest.raises(http.InvalidJSON, match=says.replace("(", r"\(")):
        http.strict_json_loads(text)


def test_strict_json_accepts_what_clients_mean():
    assert http.strict_json_loads('{"s": "\\ud83d\\ude00 \\u00e5", "n": -12, "x": 1.5e3, "l": [[[]]]}') == {
        "s": "😀 å", "n": -12, "x": 1500.0, "l": [[[]]]}
    assert http.strict_json_loads("[" * 64 + "]" * 64) is not None
    assert http.strict_json_loads(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}  # an escaped backslash, not an escape


# ---- the app: bodies, path values, errors and their logs ----------------------

class ThingSchema(Schema):
    name = f.Name(required=True)


def _blueprint(things):
    blp = http.Blueprint("hardening", __name__, url_prefix="/api/v1/hardening")

    @blp.route("/<thing_id>")
    class Thing(MethodView):
        @blp.arguments(ThingSchema)
        @blp.response(201)
        def post(self, body, thing_id):
            platform = blp_platform()
            if body["name"] == "bug":
                try:
                    raise ValueError(f"DETAIL: Key (name)=({MARKER}) already exists")
                except ValueError as cause:
                    raise RuntimeError(f"wrapped {MARKER}") from cause
            with platform.engine.begin() as connection:
                connection.execute(things.insert().values(id=thing_id, tenant="0180", name=body["name"]))
            return {"id": thing_id}

        @blp.response(200)
        def get(self, thing_id):
            raise AssertionError("a garbage path value must not reach the view")

    return blp


def blp_platform():
    from flask import current_app

    return current_app.extensions["ordning"]


@pytest.fixture
def client(platform, things_table, settings):
    app = http.create_app(platform, [_blueprint(things_table)], title="Hardening")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + issue_token(settings, "anna", "0180", ["x"], [])
    return client


@pytest.fixture
def logs():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(level)


def _text(record) -> str:
    exc = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
    return f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {exc}"


def test_duplicate_key_is_400_naming_the_key(client):
    response = client.post("/api/v1/hardening/t1", data='{"name": "a", "name": "b"}', content_type="application/json")
    assert response.status_code == 400 and response.content_type == http.PROBLEM_CONTENT_TYPE
    assert "'name' appears twice" in response.get_json()["detail"]


def test_deep_json_is_400(client):
    response = client.post("/api/v1/hardening/t1", data="[" * 10_000 + "]" * 10_000, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_json"


@pytest.mark.parametrize("garbage", ["t%00", "%ED%A0%80", "%E2%80%AE", "a%09b", "x" * 101, "%E2%80%8B"])
def test_garbage_path_value_is_404_before_the_view(client, garbage):
    response = client.get(f"/api/v1/hardening/{garbage}")
    assert response.status_code == 404 and response.content_type == http.PROBLEM_CONTENT_TYPE


@pytest.mark.parametrize("query", ["who=adam%ED%A0%80", "who=%FF", "who=%C3"])
def test_a_query_string_that_is_not_utf8_is_400_before_the_view(client, query):
    response = client.get(f"/api/v1/hardening/t1?{query}")
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_query"


def test_unique_violation_is_409_and_logs_no_values(client, logs):
    assert client.post("/api/v1/hardening/t1", json={"name": MARKER}).status_code == 201
    response = client.post("/api/v1/hardening/t1", json={"name": MARKER})
    assert response.status_code == 409 and response.content_type == http.PROBLEM_CONTENT_TYPE
    assert MARKER not in response.get_data(as_text=True)
    assert not [r for r in logs if MARKER in _text(r)]


def test_unexpected_error_logs_class_and_stack_never_the_message(client, logs):
    response = client.post("/api/v1/hardening/t2", json={"name": "bug"}, query_string={"q": MARKER})
    assert response.status_code == 500
    errors = [r for r in logs if r.levelno >= logging.ERROR]
    assert errors, "the error is logged"
    text = " ".join(_text(r) for r in errors)
    assert "RuntimeError" in text and "ValueError" in text and "test_input_hardening.py" in text  # class and stack
    assert not [r for r in logs if MARKER in _text(r)]


def test_engines_hide_statement_parameters(platform, things_table):
    with pytest.raises(sa.exc.IntegrityError) as info:
        with platform.engine.begin() as connection:
            connection.execute(things_table.insert().values(id="t9", tenant="0180", name=MARKER))
            connection.execute(things_table.insert().values(id="t9", tenant="0180", name=MARKER))
    assert MARKER not in str(info.value)
