"""Keyset (cursor) pagination: a list sorted by one whitelisted column and the id, and an opaque cursor that
says where a page ended.

The cursor holds the sort it was made for, the last row's value of the sort column and its id, as
base64url JSON. A page after it is "rows past that position", not "skip n rows", so rows inserted while a
client pages never repeat or shift what it has not seen yet. The cursor grants nothing: the query that
uses it keeps its own access clause, so a client that edits one gets at most another page of what it may
read anyway; whatever does not decode to a position of the same sort is a 400 `invalid_cursor`, which
never echoes the value.

Nullable sort columns put their NULLs last in either direction (a case without a due date after those with one).
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

import sqlalchemy as sa

from .problems import BadRequest

CURSOR_VERSION = 1
CURSOR_MAX_CHARS = 512  # a cursor holds a sort name, one value and an id: far below this
_VALUE_MAX_CHARS = 200


class InvalidCursor(BadRequest):
    """A cursor that is not one this list handed out for the same sort."""

    code = "invalid_cursor"


@dataclass(frozen=True)
class Sort:
    """A sort key from a list's whitelist; `-` before it in a query means descending."""

    key: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> "Sort":
        return cls(text.removeprefix("-"), text.startswith("-"))

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.key


def sort_choices(keys) -> list[str]:
    """Every value `sort=` accepts for these keys: each ascending, then each descending."""
    return [*keys, *(f"-{key}" for key in keys)]


def order_by(column: sa.ColumnElement, id_column: sa.ColumnElement, sort: Sort) -> list:
    """ORDER BY the sort column (NULLs last) and then the id, both in the sort's direction."""
    direction = sa.desc if sort.descending else sa.asc
    first = direction(column)
    if _nullable(column):
        first = first.nulls_last()
    return [first, direction(id_column)]


def after(column: sa.ColumnElement, id_column: sa.ColumnElement, sort: Sort, value, last_id: str):
    """The rows that come after (value, last_id) in `order_by`'s order."""
    beyond = (lambda a, b: a < b) if sort.descending else (lambda a, b: a > b)
    if not _nullable(column):
        return beyond(sa.tuple_(column, id_column), sa.tuple_(sa.literal(value, column.type),
                                                             sa.literal(last_id, id_column.type)))
    if value is None:  # among the NULLs, which come last: only the ids beyond
        return sa.and_(column.is_(None), beyond(id_column, last_id))
    return sa.or_(beyond(column, value), sa.and_(column == value, beyond(id_column, last_id)), column.is_(None))


def encode_cursor(sort: Sort, value, last_id: str) -> str:
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    payload = json.dumps([CURSOR_VERSION, str(sort), value, str(last_id)], separators=(",", ":"),
                         ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: Sort, column: sa.ColumnElement) -> tuple[object, str]:
    """(value, last_id) of a cursor made by encode_cursor for `sort`, the value as `column`'s Python type."""
    try:
        if len(token) > CURSOR_MAX_CHARS:
            raise ValueError("too long")
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        version, made_for, value, last_id = json.loads(raw.decode("utf-8"))
        if (version != CURSOR_VERSION or not isinstance(last_id, str) or not 0 < len(last_id) <= 100
                or not last_id.isprintable()):  # no control character or lone surrogate reaches the database
            raise ValueError("not a cursor")
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InvalidCursor("Markören (cursor) är ogiltig; använd next_cursor från föregående sida.",
                            "The cursor is not valid; use next_cursor from the previous page.") from None
    if made_for != str(sort):
        raise InvalidCursor(f"Markören (cursor) hör till en annan sortering än sort={sort}; börja om utan cursor.",
                            f"The cursor belongs to another sort than sort={sort}; start again without a cursor.")
    return _parse_value(value, column), last_id


def _parse_value(value, column: sa.ColumnElement):
    if value is None:
        if _nullable(column):
            return None
    elif isinstance(value, str) and len(value) <= _VALUE_MAX_CHARS and value.isprintable():
        kind = getattr(column.type, "impl_instance", column.type).python_type  # a TypeDecorator's own type
        try:
            if kind is datetime:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    return moment.astimezone(timezone.utc)
            elif kind is date:
                return date.fromisoformat(value)
            elif kind is str:
                return value
        except (ValueError, OverflowError):
            pass
    raise InvalidCursor("Markören (cursor) är ogiltig; använd next_cursor från föregående sida.",
                        "The cursor is not valid; use next_cursor from the previous page.")


def _nullable(column: sa.ColumnElement) -> bool:
    return getattr(column, "nullable", True)


__all__ = ["InvalidCursor", "Sort", "sort_choices", "order_by", "after", "encode_cursor", "decode_cursor",
           "CURSOR_MAX_CHARS"]
