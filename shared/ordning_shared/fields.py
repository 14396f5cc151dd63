"""The marshmallow fields every service's schemas parse input with.

Each refuses, before a value reaches a domain rule or the database, what a
client never means and PostgreSQL or Python cannot hold: NUL and other
control characters, lone surrogates (not Unicode text; they cannot be
encoded), bidi controls and invisible-only text in names, "yes" or 1 for a
boolean, integers and dates outside a bounded range. Errors say what is wrong
without echoing the value.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, validate

# A time a person writes without an offset means the clock on the wall in Sweden; answers give every moment
# in this zone with its offset (+01:00 in winter, +02:00 in summer). Events on the bus keep UTC.
LOCAL_ZONE = ZoneInfo("Europe/Stockholm")
TEXT_MAX = 10_000
NAME_MAX = 200
# A date outside these years is a typo or an attack; inside them every conversion (to UTC, plus a
# deadline of a year) stays far from datetime's limits (years 1 and 9999) and PostgreSQL's.
MIN_YEAR, MAX_YEAR = 1900, 2999
# More digits than a 64-bit integer holds is never a count or a number of days.
INTEGER_MAX_DIGITS = 18

LINE_BREAKS_AND_TAB = frozenset("\t\n\r")
# Bidi embeddings, overrides and isolates, the left/right marks and the Arabic letter mark:
# they make a name display as something else than it is (Trojan Source, CVE-2021-42574).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters that show nothing on their own: format characters (zero-width space, joiners, BOM),
# blanks, combining marks, and the fillers that render as empty space.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc"})
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_SURROGATE = re.compile("[\ud800-\udfff]")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Each message: a Swedish sentence, then the English one (as every problem's detail).
CONTROL_ERROR = "Får inte innehålla styrtecken. Must not contain control characters."
SURROGATE_ERROR = "Är inte giltig Unicode-text (ensamt surrogattecken). Is not valid Unicode text (a lone surrogate)."
BIDI_ERROR = "Får inte innehålla tecken som vänder textriktningen. Must not contain bidi control characters."
INVISIBLE_ERROR = "Måste innehålla synliga tecken. Must contain visible characters."


def is_invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _INVISIBLE_EXTRA


def has_surrogate(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def check_text(value: str, *, allow_line_breaks: bool) -> None:
    """Refuse lone surrogates and control characters (line breaks and tab only in free text)."""
    if has_surrogate(value):
        raise ValidationError(SURROGATE_ERROR)
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (allow_line_breaks and ch in LINE_BREAKS_AND_TAB):
            raise ValidationError(CONTROL_ERROR)


def check_name(value: str) -> None:
    """A one-line name or label: text without line breaks, bidi controls, or nothing visible."""
    check_text(value, allow_line_breaks=False)
    if any(ch in BIDI_CONTROLS for ch in value):
        raise ValidationError(BIDI_ERROR)
    if value and all(is_invisible(ch) for ch in value):
        raise ValidationError(INVISIBLE_ERROR)


class Text(fields.String):
    """Free text (a description, an investigation): line breaks and tab allowed; bounded length."""

    def __init__(self, *, max_length: int = TEXT_MAX, min_length: int = 0, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Length(min=min_length, max=max_length)] + _as_list(extra)
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        check_text(text, allow_line_breaks=True)
        return text


class Name(fields.String):
    """A name or short label (a unit, a category, a title, a reference): one line, trimmed, visible."""

    def __init__(self, *, max_length: int = NAME_MAX, min_length: int = 1, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Length(min=min_length, max=max_length)] + _as_list(extra)
        kwargs.setdefault("metadata", {}).setdefault(
            "description", f"{min_length} to {max_length} characters; surrounding blanks are removed")
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        check_name(text)
        return text.strip()


class Choice(fields.String):
    """One of a fixed set of values (a kind, a status, a command)."""

    def __init__(self, choices, **kwargs):
        super().__init__(validate=validate.OneOf(list(choices)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        check_name(text)
        return text


class UUIDString(fields.String):
    """An id: a canonical 8-4-4-4-12 UUID, any case, kept as the string given."""

    default_error_messages = {"uuid": "Ska vara ett UUID. Must be a UUID."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not UUID_PATTERN.fullmatch(text):
            raise self.make_error("uuid")
        return text


class Email(fields.Email):
    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=320))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        check_name(text)
        return text


class StrictBoolean(fields.Boolean):
    """A JSON boolean: only true or false, never "yes", "true" or 1."""

    default_error_messages = {"invalid": "Ska vara true eller false. Must be true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(fields.Boolean):
    """A boolean in a query string: only the words true and false."""

    default_error_messages = {"invalid": "Ska vara true eller false. Must be true or false."}
    _WORDS = {"true": True, "false": False}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self._WORDS:
            raise self.make_error("invalid")
        return self._WORDS[value]


class BoundedInteger(fields.Integer):
    """An integer within [minimum, maximum]; in a JSON body (strict) a number, in a query string digits."""

    default_error_messages = {"too_long": f"Får ha högst {INTEGER_MAX_DIGITS} siffror. "
                                          f"Must have at most {INTEGER_MAX_DIGITS} digits."}

    def __init__(self, minimum: int, maximum: int, *, strict: bool = True, **kwargs):
        extra = kwargs.pop("validate", None)
        super().__init__(strict=strict, validate=[validate.Range(min=minimum, max=maximum)] + _as_list(extra),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > INTEGER_MAX_DIGITS:
            raise self.make_error("too_long")  # int() of thousands of digits costs quadratic time
        return super()._deserialize(value, attr, data, **kwargs)


_YEAR_ERROR = (f"Årtalet ska vara mellan {MIN_YEAR} och {MAX_YEAR}. "
               f"The year must be between {MIN_YEAR} and {MAX_YEAR}.")


class NonExistentLocalTime(ValueError):
    """A wall-clock time the clocks skip (the spring change, 02:00 to 03:00 in Sweden)."""


def local_moment(naive: datetime) -> datetime:
    """The moment a Swedish wall-clock time names, in UTC.

    In the autumn hour that happens twice (02:00 to 03:00) it is the first (fold=0, still summer time); a time
    inside the spring gap never happened and raises NonExistentLocalTime.
    """
    if naive.tzinfo is not None:
        raise ValueError("local_moment takes a time without an offset")
    moment = naive.replace(tzinfo=LOCAL_ZONE, fold=0).astimezone(timezone.utc)
    if moment.astimezone(LOCAL_ZONE).replace(tzinfo=None) != naive:  # a gap time does not come back as itself
        raise NonExistentLocalTime(naive.isoformat())
    return moment


def format_moment(moment: datetime) -> str:
    """A moment as answers give it: Swedish local time with its offset, e.g. 2026-11-23T14:05:00+01:00.

    The platform stores and returns aware UTC; a naive value is taken as UTC (what the database holds).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).isoformat()


class AwareDateTime(fields.DateTime):
    """A moment. In: with its offset, or without one as Europe/Stockholm local time; between the years MIN_YEAR
    and MAX_YEAR, in UTC too. Out: Europe/Stockholm local time with its offset."""

    default_error_messages = {
        "year": _YEAR_ERROR,
        "non_existent": "Tiden finns inte i svensk tid, eftersom klockan ställs fram på våren. "
                        "The local time does not exist in Europe/Stockholm: the clocks skip it in spring.",
    }

    def __init__(self, **kwargs):
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("description", "A moment; a time without an offset is Europe/Stockholm local time. "
                                           "Answers give Europe/Stockholm local time with its offset.")
        metadata.setdefault("example", "2026-11-23T14:05:00+01:00")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        # Check the year before converting: 0001-01-01T00:00+14:00 overflows on the way to UTC.
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise self.make_error("year")
        if moment.tzinfo is None:
            try:
                moment = local_moment(moment)
            except NonExistentLocalTime:
                raise self.make_error("non_existent") from None
        if not MIN_YEAR <= moment.astimezone(timezone.utc).year <= MAX_YEAR:
            raise self.make_error("year")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_moment(value)


_MOMENT_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})")


class RecordedValue(fields.Raw):
    """A value as the audit trail recorded it (JSON); a moment, recorded as UTC text, is answered like every
    moment: Europe/Stockholm local time with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime):
            return format_moment(value)
        if isinstance(value, str) and _MOMENT_TEXT.fullmatch(value):
            return format_moment(datetime.fromisoformat(value))
        return value


class Date(fields.Date):
    """A calendar date between the years MIN_YEAR and MAX_YEAR."""

    default_error_messages = {"year": _YEAR_ERROR}

    def _deserialize(self, value, attr, data, **kwargs):
        day: date = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise self.make_error("year")
        return day


def _as_list(validators) -> list:
    if validators is None:
        return []
    return list(validators) if isinstance(validators, (list, tuple)) else [validators]


__all__ = ["Text", "Name", "Choice", "UUIDString", "Email", "StrictBoolean", "QueryBoolean", "BoundedInteger",
           "AwareDateTime", "Date", "LOCAL_ZONE", "local_moment", "format_moment", "NonExistentLocalTime", "RecordedValue", "check_text", "check_name", "has_surrogate", "TEXT_MAX", "NAME_MAX",
           "MIN_YEAR", "MAX_YEAR", "INTEGER_MAX_DIGITS"]
