"""Times: a date-time without an offset is Europe/Stockholm wall-clock time; answers give Swedish time with
its offset; the spring gap is refused and the autumn overlap takes its first hour."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import Schema, ValidationError

from ordning_shared import fields as f

UTC = timezone.utc


class Sample(Schema):
    at = f.AwareDateTime(allow_none=True)


def load(text):
    return Sample().load({"at": text})["at"]


def dump(moment):
    return Sample().dump({"at": moment})["at"]


@pytest.mark.parametrize("text, utc", [
    ("2026-11-23T14:05:00", datetime(2026, 11, 23, 13, 5, tzinfo=UTC)),  # winter: +01:00
    ("2026-07-01T14:05:00", datetime(2026, 7, 1, 12, 5, tzinfo=UTC)),  # summer: +02:00
    ("2026-11-23T14:05", datetime(2026, 11, 23, 13, 5, tzinfo=UTC)),
    ("2026-03-29T01:59:59", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)),  # the last second of winter time
    ("2026-03-29T03:00:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # the first of summer time
    # the autumn hour that happens twice (02:00-03:00 on 25 October 2026): its first pass, still summer time
    ("2026-10-25T02:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("2026-10-25T03:00:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
])
def test_a_time_without_an_offset_is_swedish_wall_clock_time(text, utc):
    assert load(text) == utc


@pytest.mark.parametrize("text, utc", [
    ("2026-11-23T14:05:00+01:00", datetime(2026, 11, 23, 13, 5, tzinfo=UTC)),
    ("2026-11-23T14:05:00Z", datetime(2026, 11, 23, 14, 5, tzinfo=UTC)),
    ("2026-11-23T14:05:00+00:00", datetime(2026, 11, 23, 14, 5, tzinfo=UTC)),
    ("2026-07-01T09:00:00-04:00", datetime(2026, 7, 1, 13, 0, tzinfo=UTC)),
])
def test_a_time_with_an_offset_keeps_it(text, utc):
    assert load(text) == utc


@pytest.mark.parametrize("text", ["2026-03-29T02:00:00", "2026-03-29T02:30:00", "2026-03-29T02:59:59.999999",
                                  "2027-03-28T02:15"])
def test_a_time_in_the_spring_gap_is_refused(text):
    with pytest.raises(ValidationError) as info:
        load(text)
    assert "does not exist" in str(info.value.messages)


def test_a_time_just_outside_the_gap_is_accepted():
    assert load("2026-03-29T01:59:59.999999") + timedelta(microseconds=1) == load("2026-03-29T03:00:00")


def test_years_are_bounded_after_the_local_time_is_placed():
    with pytest.raises(ValidationError):
        load("1900-01-01T00:30:00")  # 1899 in UTC
    with pytest.raises(ValidationError):
        load("0001-01-01T00:00:00")
    assert load("2999-12-31T23:59:59").year == 2999


@pytest.mark.parametrize("moment, text", [
    (datetime(2026, 11, 23, 13, 5, tzinfo=UTC), "2026-11-23T14:05:00+01:00"),
    (datetime(2026, 7, 1, 12, 5, 30, 250000, tzinfo=UTC), "2026-07-01T14:05:30.250000+02:00"),
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25T02:30:00+02:00"),  # the first 02:30 that day
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25T02:30:00+01:00"),  # and the second
    (datetime(2026, 11, 23, 13, 5), "2026-11-23T14:05:00+01:00"),  # naive is what the database holds: UTC
    (None, None),
])
def test_answers_give_swedish_time_with_its_offset(moment, text):
    assert dump(moment) == text


def test_a_moment_survives_the_round_trip():
    for text in ("2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-03-29T03:00:00+02:00"):
        assert dump(load(text)) == text


def test_local_moment_directly():
    assert f.local_moment(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(f.NonExistentLocalTime):
        f.local_moment(datetime(2026, 3, 29, 2, 30))
    with pytest.raises(ValueError):
        f.local_moment(datetime(2026, 3, 29, 2, 30, tzinfo=UTC))


@pytest.mark.parametrize("value, answered", [
    ("2026-11-23 13:05:00.123456+00:00", "2026-11-23T14:05:00.123456+01:00"),  # json default=str of a datetime
    ("2026-07-01T12:05:00+00:00", "2026-07-01T14:05:00+02:00"),
    ("2026-07-01", "2026-07-01"), ("investigating", "investigating"), (3, 3), (None, None), (True, True),
])
def test_recorded_values_answer_moments_in_swedish_time(value, answered):
    assert f.RecordedValue()._serialize(value, "x", None) == answered
