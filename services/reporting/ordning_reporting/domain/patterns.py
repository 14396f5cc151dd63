"""Patterns in the figures: changes month on month and year on year, what stands out against its own history, and
rates per 1,000 of a volume the tenant records. Plain arithmetic on counts; the service reads them from the cubes.

The rule that flags a unit or a category (docs/decisions.md, "Reporting: patterns"): this month's count is at
least `MIN_CASES` and above the mean plus `SD_FACTOR` standard deviations of the same unit's (category's) counts in
the `HISTORY_MONTHS` months before. Simple enough to say in one sentence to a nämnd and to check by hand; the
minimum keeps a small unit's two cases after a quiet year from being called a pattern.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ordning_shared.problems import Unprocessable

MIN_CASES = 5
HISTORY_MONTHS = 12
SD_FACTOR = 2
RULE_SV = (f"En enhet eller kategori flaggas när månadens antal ärenden är minst {MIN_CASES} och större än "
           f"medelvärdet plus {SD_FACTOR} standardavvikelser av samma enhets (kategoris) antal per månad under de "
           f"{HISTORY_MONTHS} månaderna före.")
RULE_EN = (f"A unit or category is flagged when the month's count of cases is at least {MIN_CASES} and above the "
           f"mean plus {SD_FACTOR} standard deviations of the same unit's (category's) monthly counts in the "
           f"{HISTORY_MONTHS} months before.")

IN_HOUSE, EXTERNAL = "in_house", "external"
REGI_LABELS_SV = {IN_HOUSE: "Egen regi", EXTERNAL: "Privat regi (extern utförare)"}
PROVIDER_UNIT_KINDS = {"unit": IN_HOUSE, "external_provider": EXTERNAL}  # the org tree's kinds that provide care

MEASURE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MEASURE_LABELS_SV = {"brukare": "brukare", "varddygn": "vårddygn", "hemtjanstimmar": "hemtjänsttimmar",
                     "besok": "besök", "platser": "platser"}
VOLUME_MAX = Decimal("999999999999.99")
PER = 1000


class InvalidVolume(Unprocessable):
    code = "invalid_volume"


def months_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Standing:
    """How a month's count stands against its history."""
    count: int
    mean: float
    sd: float
    threshold: float
    flagged: bool

    def to_dict(self) -> dict:
        return {"count": self.count, "mean": round(self.mean, 2), "sd": round(self.sd, 2),
                "threshold": round(self.threshold, 2), "flagged": self.flagged}


def standing(history: list[int], count: int) -> Standing:
    """The rule: flagged when `count` >= MIN_CASES and > mean + SD_FACTOR·sd of `history` (population sd, months
    without cases counted as 0)."""
    n = len(history) or 1
    mean = sum(history) / n
    sd = math.sqrt(sum((value - mean) ** 2 for value in history) / n)
    threshold = mean + SD_FACTOR * sd
    return Standing(count, mean, sd, threshold, count >= MIN_CASES and count > threshold)


def change(current: int, previous: int | None) -> dict:
    """The change from `previous` to `current`: absolute and in percent (None when there was nothing before)."""
    if previous is None:
        return {"previous": None, "change": None, "change_pct": None}
    return {"previous": previous, "change": current - previous,
            "change_pct": round(100 * (current - previous) / previous, 1) if previous else None}


def rate(count: int, volume: Decimal | None) -> float | None:
    """Cases per 1,000 of the volume; None where no volume is recorded (or it is zero)."""
    if volume is None or volume <= 0:
        return None
    return round(float(Decimal(count) * PER / volume), 2)


def regi(unit_kind: str | None) -> str | None:
    """In-house (egen regi) or an external provider (utförare i privat regi), from the org tree's unit kind."""
    return PROVIDER_UNIT_KINDS.get(unit_kind or "")


def check_volume(measure: str, year: int, value) -> Decimal:
    if not MEASURE_PATTERN.match(measure or ""):
        raise InvalidVolume("Måttet ska vara en kod av små bokstäver utan å, ä och ö, siffror och understreck "
                            "(högst 40 tecken), till exempel varddygn.", "The measure must be a code of a-z, digits and _ (at most 40 "
                            "characters), e.g. varddygn.")
    if not 2000 <= year <= 2100:
        raise InvalidVolume("Året ska vara mellan 2000 och 2100.", "The year must be between 2000 and 2100.")
    volume = Decimal(str(value))
    if not volume.is_finite() or volume <= 0 or volume > VOLUME_MAX or volume != volume.quantize(Decimal("0.01")):
        raise InvalidVolume("Volymen ska vara ett tal större än 0 med högst två decimaler.",
                            "The volume must be a number above 0 with at most two decimals.")
    return volume
