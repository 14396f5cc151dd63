"""Quality goals (kvalitetsmål): a goal of a nämnd, förvaltning or unit for a period, its indicators
(indikatorer, nyckeltal) and the measurements entered over time; attainment is computed, never typed.

Plain Python. A measurement's period is written as its indicator's frequency says: "2026-03" (month),
"2026-Q1" (quarter) or "2026" (year). A value is a number; a Swedish decimal comma ("92,5") is read as
well as a point, and a blank or a no-break space between thousands ("1 250") is allowed.

Attainment of one measured period, by the indicator's direction:
- higher_is_better: met when value >= target; partly when value >= threshold (the optional
  gränsvärde below the target); otherwise not met.
- lower_is_better: met when value <= target; partly when value <= threshold (above the target).
- target_range: met when target <= value <= target_max; otherwise not met.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.fields import BIDI_CONTROLS, has_surrogate
from ordning_shared.problems import Problem

GOAL_MEASUREMENT_RECORDED = "se.ordning.goal.measurement_recorded.v1"
GOAL_EVENT_TYPES: tuple[str, ...] = (GOAL_MEASUREMENT_RECORDED,)

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 500
SOURCE_PATTERN = re.compile(r"^[0-9A-Za-z_.:-]{1,40}$")  # a code such as the Kolada key "U21468"
# The bounds a measured value and a target may have: wide enough for kronor, narrow enough for NUMERIC(14,4).
VALUE_LIMIT = Decimal("9999999999")
# An upload's bounds: a few years of monthly values fit many times over; more is a mistake or an attack.
CSV_MAX_ROWS = 500
CSV_MAX_CHARS = 32_000
MIN_YEAR, MAX_YEAR = 2000, 2100


class Direction(str, Enum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    TARGET_RANGE = "target_range"


class Frequency(str, Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class Attainment(str, Enum):
    MET = "met"
    PARTLY = "partly"
    NOT_MET = "not_met"


# The units of measure a tenant picks from (enhet för mätvärdet), with their Swedish display.
UNIT_OF_MEASURE_LABELS_SV = {"percent": "%", "count": "antal", "days": "dagar", "hours": "timmar",
                             "kronor": "kronor", "score": "poäng", "ratio": "kvot"}
DIRECTION_LABELS_SV = {Direction.HIGHER_IS_BETTER: "Högre är bättre", Direction.LOWER_IS_BETTER: "Lägre är bättre",
                       Direction.TARGET_RANGE: "Inom målintervall"}
FREQUENCY_LABELS_SV = {Frequency.MONTHLY: "Månadsvis", Frequency.QUARTERLY: "Kvartalsvis",
                       Frequency.YEARLY: "Årsvis"}
ATTAINMENT_LABELS_SV = {Attainment.MET: "Uppfyllt", Attainment.PARTLY: "Delvis uppfyllt",
                        Attainment.NOT_MET: "Ej uppfyllt"}


# --- rule violations -------------------------------------------------------

class GoalRuleViolation(Problem):
    http_status, code = 422, "goal_rule_violation"


class InvalidGoalPeriod(GoalRuleViolation):
    code = "invalid_period"


class InvalidTarget(GoalRuleViolation):
    code = "invalid_target"


class InvalidValue(GoalRuleViolation):
    code = "invalid_value"


class GoalClosed(GoalRuleViolation):
    http_status, code = 409, "goal_closed"


class PeriodAlreadyMeasured(GoalRuleViolation):
    http_status, code = 409, "period_already_measured"


class CsvRejected(GoalRuleViolation):
    """An upload with at least one bad row: `errors` lists each (row, column, code, message); nothing stored."""

    code = "csv_rejected"


# --- periods ---------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A measured period: its canonical text ("2026-03", "2026-Q1", "2026") and its first and last day."""

    text: str
    frequency: Frequency
    start: date
    end: date


def _last_day(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str, frequency: Frequency) -> Period:
    """The period `text` names, in the form `frequency` asks for; ValueError (Swedish, English) otherwise."""
    text = (text or "").strip()
    frequency = Frequency(frequency)
    patterns = {Frequency.MONTHLY: (_MONTH, "ÅÅÅÅ-MM, till exempel 2026-03", "YYYY-MM, e.g. 2026-03"),
                Frequency.QUARTERLY: (_QUARTER, "ÅÅÅÅ-Qn, till exempel 2026-Q1", "YYYY-Qn, e.g. 2026-Q1"),
                Frequency.YEARLY: (_YEAR, "ÅÅÅÅ, till exempel 2026", "YYYY, e.g. 2026")}
    pattern, form_sv, form_en = patterns[frequency]
    match = pattern.match(text)
    if not match:
        raise ValueError(f"Perioden ska skrivas {form_sv}.", f"The period must be written {form_en}.")
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Året ska vara mellan {MIN_YEAR} och {MAX_YEAR}.",
                         f"The year must be between {MIN_YEAR} and {MAX_YEAR}.")
    if frequency is Frequency.MONTHLY:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError("Månaden ska vara 01–12.", "The month must be 01-12.")
        start = date(year, month, 1)
        end = _last_day(year, month)
        return Period(f"{year:04d}-{month:02d}", frequency, start, date.fromordinal(end.toordinal() - 1))
    if frequency is Frequency.QUARTERLY:
        quarter = int(match.group(2))
        start = date(year, 3 * quarter - 2, 1)
        end = _last_day(year, 3 * quarter)
        return Period(f"{year:04d}-Q{quarter}", frequency, start, date.fromordinal(end.toordinal() - 1))
    return Period(f"{year:04d}", frequency, date(year, 1, 1), date(year, 12, 31))


# --- numbers ---------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?\d{1,10}([.,]\d{1,4})?$")


def parse_value(text) -> Decimal:
    """A measured value: a number with at most 10 digits before and 4 after the decimal point or comma."""
    if isinstance(text, bool):
        raise ValueError("Värdet ska vara ett tal.", "The value must be a number.")
    if isinstance(text, (int, Decimal)):
        text = str(text)
    elif isinstance(text, float):
        text = repr(text)
    cleaned = re.sub(r"[ \u00a0\u202f]", "", str(text or "").strip())
    if not _NUMBER.match(cleaned):
        raise ValueError("Värdet ska vara ett tal, till exempel 92,5.", "The value must be a number, e.g. 92.5.")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ValueError("Värdet ska vara ett tal.", "The value must be a number.") from None
    if abs(value) > VALUE_LIMIT:
        raise ValueError("Värdet är för stort.", "The value is too large.")
    return value


def format_value(value: Decimal) -> str:
    """A value as a plain decimal string ("92.5", "90"): exact, unlike a JSON float."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- the aggregates --------------------------------------------------------

@dataclass
class Indicator:
    id: str
    tenant: str
    goal_id: str
    name: str  # how it is measured (mätmetod), e.g. "Andel avvikelser som utretts inom 14 dagar"
    unit_of_measure: str
    direction: Direction
    target: Decimal
    frequency: Frequency
    target_max: Decimal | None = None
    threshold: Decimal | None = None
    source: str | None = None
    revision: int = 1

    @classmethod
    def create(cls, *, tenant: str, goal_id: str, name: str, unit_of_measure: str, direction, target,
               frequency, target_max=None, threshold=None, source=None, indicator_id=None) -> "Indicator":
        indicator = cls(id=str(indicator_id or uuid.uuid4()), tenant=tenant, goal_id=goal_id, name=name,
                        unit_of_measure=unit_of_measure, direction=Direction(direction), target=Decimal(target),
                        frequency=Frequency(frequency),
                        target_max=None if target_max is None else Decimal(target_max),
                        threshold=None if threshold is None else Decimal(threshold), source=source)
        indicator.check_targets()
        return indicator

    def check_targets(self) -> None:
        if self.unit_of_measure not in UNIT_OF_MEASURE_LABELS_SV:
            raise InvalidTarget("Måttenheten är okänd.", "The unit of measure is unknown.")
        if self.source is not None and not SOURCE_PATTERN.match(self.source):
            raise InvalidTarget("Källan ska vara en kod, till exempel U21468.", "The source must be a code, e.g. U21468.")
        if self.direction is Direction.TARGET_RANGE:
            if self.target_max is None or self.target_max < self.target:
                raise InvalidTarget("Ett målintervall behöver ett övre mål som är minst lika stort som målet.",
                                    "A target range needs a target_max at least as large as the target.")
            if self.threshold is not None:
                raise InvalidTarget("Ett målintervall har inget gränsvärde.", "A target range has no threshold.")
            return
        if self.target_max is not None:
            raise InvalidTarget("Bara ett målintervall har ett övre mål.", "Only a target range has a target_max.")
        if self.threshold is None:
            return
        if self.direction is Direction.HIGHER_IS_BETTER and self.threshold >= self.target:
            raise InvalidTarget("När högre är bättre ska gränsvärdet vara lägre än målet.",
                                "When higher is better the threshold must be below the target.")
        if self.direction is Direction.LOWER_IS_BETTER and self.threshold <= self.target:
            raise InvalidTarget("När lägre är bättre ska gränsvärdet vara högre än målet.",
                                "When lower is better the threshold must be above the target.")

    def attainment(self, value: Decimal) -> Attainment:
        if self.direction is Direction.TARGET_RANGE:
            return Attainment.MET if self.target <= value <= self.target_max else Attainment.NOT_MET
        better = (lambda a, b: a >= b) if self.direction is Direction.HIGHER_IS_BETTER else (lambda a, b: a <= b)
        if better(value, self.target):
            return Attainment.MET
        if self.threshold is not None and better(value, self.threshold):
            return Attainment.PARTLY
        return Attainment.NOT_MET


@dataclass
class Measurement:
    id: str
    tenant: str
    goal_id: str
    indicator_id: str
    period: Period
    value: Decimal
    note: str | None = None


@dataclass
class QualityGoal:
    id: str
    tenant: str
    unit_id: str
    title: str
    description: str
    period_start: date
    period_end: date
    closed_at: object = None
    revision: int = 1
    events: list = field(default_factory=list)

    @classmethod
    def create(cls, *, tenant: str, unit_id: str, title: str, description: str, period_start: date,
               period_end: date, goal_id=None) -> "QualityGoal":
        check_goal_period(period_start, period_end)
        return cls(id=str(goal_id or uuid.uuid4()), tenant=tenant, unit_id=str(unit_id), title=title,
                   description=description, period_start=period_start, period_end=period_end)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def ensure_open(self) -> None:
        if self.is_closed:
            raise GoalClosed("Målet är avslutat och kan inte ändras.", "The goal is closed and cannot be changed.")

    def update(self, **changes) -> None:
        self.ensure_open()
        start = changes.get("period_start", self.period_start)
        end = changes.get("period_end", self.period_end)
        check_goal_period(start, end)
        for name, value in changes.items():
            setattr(self, name, value)
        self.revision += 1

    def close(self, at) -> None:
        self.ensure_open()
        self.closed_at = at
        self.revision += 1

    def record(self, indicator: Indicator, period: Period, value: Decimal, note: str | None = None, *,
               version: int) -> Measurement:
        """A measurement of one of this goal's indicators; the event carries ids, the period and the value.

        `version` is how many measurements the indicator has with this one: measurements are never
        overwritten or removed, so it grows with each, and is the event's sequence for its subject (the
        indicator)."""
        self.ensure_open()
        measurement = Measurement(id=str(uuid.uuid4()), tenant=self.tenant, goal_id=self.id,
                                  indicator_id=indicator.id, period=period, value=value, note=note)
        # A measured value of a unit's indicator is an aggregate of the organisation, not personal data
        # (docs/decisions.md, "Quality goal measurements"); the note, free text, never leaves the service.
        self.events.append(DomainEvent(type=GOAL_MEASUREMENT_RECORDED, tenant=self.tenant, subject=indicator.id, data={
            "goal_id": self.id, "indicator_id": indicator.id, "unit_id": self.unit_id,
            "measurement_id": measurement.id, "period": period.text, "period_start": period.start.isoformat(),
            "value": format_value(value), "attainment": indicator.attainment(value).value, "version": version},
            sequence=version))
        return measurement

    def state(self) -> dict:
        return {"goal_id": self.id, "unit_id": self.unit_id, "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(), "closed_at": self.closed_at, "revision": self.revision}

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events


def check_goal_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidGoalPeriod("Målperioden slutar före den börjar.", "The goal's period ends before it starts.")
    if not (MIN_YEAR <= start.year <= MAX_YEAR and MIN_YEAR <= end.year <= MAX_YEAR):
        raise InvalidGoalPeriod(f"Målperioden ska ligga mellan {MIN_YEAR} och {MAX_YEAR}.",
                            f"The goal's period must lie between {MIN_YEAR} and {MAX_YEAR}.")


# --- CSV -------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    row: int  # the line of the file, counted from 1 with the header as line 1
    column: str
    code: str
    message_sv: str
    message_en: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message_sv,
                "message_en": self.message_en}


@dataclass(frozen=True)
class ParsedRow:
    row: int
    period: Period
    value: Decimal
    note: str | None


CSV_COLUMNS = ("period", "value", "note")
_HEADER_ALIASES = {"period": "period", "månad": "period", "kvartal": "period", "år": "period",
                   "value": "value", "värde": "value", "note": "note", "kommentar": "note", "anteckning": "note"}


def parse_measurements_csv(text: str, frequency: Frequency, stored_periods=frozenset()) -> list[ParsedRow]:
    """Every row of an upload, or CsvRejected naming every bad row: all or nothing.

    The header names the columns (period, value and optionally note; the Swedish period/månad, värde,
    kommentar too); the separator is ";" (what Swedish spreadsheets write), "," or a tab. A period twice
    in the file, or one already stored, is a bad row: an upload never overwrites a stored value.
    """
    if len(text) > CSV_MAX_CHARS:
        raise CsvRejected(f"Filen är för stor; högst {CSV_MAX_CHARS} tecken.",
                          f"The file is too large; at most {CSV_MAX_CHARS} characters.", rows=[])
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise CsvRejected("Filen saknar rubrikrad.", "The file has no header row.", rows=[
            RowError(1, "", "missing_header", "Rubrikraden saknas.", "The header row is missing.").as_dict()])
    header_line = lines[0]
    delimiter = ";" if ";" in header_line else ("\t" if "\t" in header_line else ",")
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error:
        raise CsvRejected("Filen är inte en läsbar CSV-fil.", "The file is not readable CSV.", rows=[
            RowError(1, "", "garbled", "Filen går inte att läsa som CSV.", "The file cannot be read as CSV.")
            .as_dict()]) from None
    header = [_HEADER_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in rows[0]]
    errors: list[RowError] = []
    for needed in ("period", "value"):
        if needed not in header:
            errors.append(RowError(1, needed, "missing_column", f"Kolumnen {needed} saknas.",
                                   f"The column {needed} is missing."))
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown or len(set(header)) != len(header):
        errors.append(RowError(1, "", "bad_header", "Rubrikraden får bara ha kolumnerna period, value och note, "
                                                    "var och en en gång.",
                               "The header may only have the columns period, value and note, each once."))
    if errors:
        raise _rejected(errors)
    data_rows = [(number, cells) for number, cells in enumerate(rows[1:], start=2) if any(c.strip() for c in cells)]
    if len(data_rows) > CSV_MAX_ROWS:
        raise CsvRejected(f"Filen har för många rader; högst {CSV_MAX_ROWS}.",
                          f"The file has too many rows; at most {CSV_MAX_ROWS}.", rows=[])
    if not data_rows:
        raise _rejected([RowError(2, "", "no_rows", "Filen har inga mätvärden.", "The file has no measurements.")])
    parsed, seen = [], {}
    for number, cells in data_rows:
        if len(cells) != len(header):
            errors.append(RowError(number, "", "column_count", f"Raden ska ha {len(header)} kolumner.",
                                   f"The row must have {len(header)} columns."))
            continue
        cell = dict(zip(header, cells))
        row_errors = []
        period = value = None
        try:
            period = parse_period(cell["period"], frequency)
        except ValueError as exc:
            row_errors.append(RowError(number, "period", "invalid_period", *exc.args))
        try:
            value = parse_value(cell["value"])
        except ValueError as exc:
            row_errors.append(RowError(number, "value", "invalid_value", *exc.args))
        note = (cell.get("note") or "").strip() or None
        if note is not None and not is_plain_note(note):
            row_errors.append(RowError(number, "note", "invalid_note",
                                       f"Kommentaren får ha högst {NOTE_MAX_LENGTH} tecken, och inga styrtecken "
                                       "eller tecken som vänder textriktningen.",
                                       f"The note may have at most {NOTE_MAX_LENGTH} characters, and no control or "
                                       "bidi control characters."))
        if period is not None:
            if period.text in seen:
                row_errors.append(RowError(number, "period", "duplicate_period",
                                           f"Perioden {period.text} finns redan på rad {seen[period.text]}.",
                                           f"The period {period.text} is already on row {seen[period.text]}."))
            elif period.text in stored_periods:
                row_errors.append(RowError(number, "period", "already_stored",
                                           f"Perioden {period.text} har redan ett sparat mätvärde.",
                                           f"The period {period.text} already has a stored measurement."))
            seen.setdefault(period.text, number)
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append(ParsedRow(number, period, value, note))
    if errors:
        raise _rejected(errors)
    return parsed


def is_plain_note(note: str) -> bool:
    """A note as the API's note field takes it (one line: the platform's Name rules), also from a file."""
    return (len(note) <= NOTE_MAX_LENGTH and not has_surrogate(note) and not any(ch in BIDI_CONTROLS for ch in note)
            and not any(unicodedata.category(ch) == "Cc" for ch in note))


def _rejected(errors: list[RowError]) -> CsvRejected:
    rows = sorted({e.row for e in errors})
    return CsvRejected(f"Inget sparades: {len(rows)} rad(er) i filen är felaktiga.",
                       f"Nothing was stored: {len(rows)} row(s) of the file are wrong.",
                       rows=[e.as_dict() for e in errors])


__all__ = [
    "GOAL_MEASUREMENT_RECORDED", "GOAL_EVENT_TYPES", "TITLE_MAX_LENGTH", "DESCRIPTION_MAX_LENGTH", "NOTE_MAX_LENGTH",
    "CSV_MAX_ROWS", "CSV_MAX_CHARS", "Direction", "Frequency", "Attainment", "UNIT_OF_MEASURE_LABELS_SV",
    "DIRECTION_LABELS_SV", "FREQUENCY_LABELS_SV", "ATTAINMENT_LABELS_SV", "GoalRuleViolation", "InvalidGoalPeriod",
    "InvalidTarget", "InvalidValue", "GoalClosed", "PeriodAlreadyMeasured", "CsvRejected", "Period", "parse_period",
    "parse_value", "format_value", "Indicator", "Measurement", "QualityGoal", "check_goal_period", "RowError", "ParsedRow",
    "parse_measurements_csv",
]
