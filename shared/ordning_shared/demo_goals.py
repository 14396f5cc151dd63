"""The demo municipality's quality goals (kvalitetsmål), seeded through the processes API on `make run`'s first
start: two goals with a year of monthly measurements ending with the last whole month, so that the web's
"Kvalitetsmål" shows attainment per month at once.

- Socialförvaltningen: "Avvikelser utreds skyndsamt", indicator "Andel avvikelser som utretts inom 14 dagar"
  ≥ 90 % (gränsvärde 80 %), imported from CSV as a unit would.
- Hemtjänst Norr: "Brukarnöjdhet i hemtjänsten", the unit's own monthly follow-up ≥ 90 % (gränsvärde 85 %), and
  the yearly national user survey's figure with its Kolada key (U21468, brukarbedömning hemtjänst äldreomsorg,
  helhetssyn), one value for last year.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from . import demo

TENANT = "0138"
# The twelve monthly values, oldest first: mostly met, a summer dip (partly or not met), as a real year goes.
INVESTIGATED_IN_TIME = ["91,2", "93,5", "90,0", "88,4", "92,1", "94,0", "83,3", "78,6", "89,5", "92,8", "95,1",
                        "93,0"]
SATISFIED = ["92", "91", "93", "90", "89", "86", "84", "88", "91", "92", "93", "94"]


def last_twelve_months(today: date) -> list[str]:
    """The twelve whole months before `today`'s month, oldest first ("2025-11", ..., "2026-10")."""
    year, month = today.year, today.month
    months = []
    for _ in range(12):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return months[::-1]


def _csv(months: list[str], values: list[str]) -> str:
    return "period;value;note\n" + "\n".join(f"{m};{v};" for m, v in zip(months, values)) + "\n"


def seed(data_dir: Path, check=lambda: None) -> None:
    from .devstack import ServiceFailed, _request, base_url, demo_token

    api = base_url("processes") + "/api/v1/quality-goals"
    karin, erik = demo_token(data_dir, "karin"), demo_token(data_dir, "erik")
    months = last_twelve_months(datetime.now(ZoneInfo("Europe/Stockholm")).date())
    first, last = months[0], months[-1]
    start = f"{first}-01"
    last_year, last_month = int(last[:4]), int(last[5:])
    end = (date(last_year + (last_month == 12), last_month % 12 + 1, 1).toordinal() - 1)
    end = date.fromordinal(end).isoformat()

    def call(method, url, body, token, key=None):
        check()
        status, answer, _ = _request(method, url, body, token, {"Idempotency-Key": key} if key else None)
        if status not in (200, 201):
            raise ServiceFailed(f"seeding a quality goal failed: {status} {answer}")
        return answer

    goal = call("POST", api, {
        "unit_id": demo.unit_id(TENANT, "Socialförvaltningen"), "title": "Avvikelser utreds skyndsamt",
        "description": "Varje avvikelse ska vara utredd inom 14 dagar, så att lärdomarna tas tillvara medan de "
                       "är färska (Tyresö kommuns ledningssystem, avsnitt 4).",
        "period_start": start, "period_end": end}, karin, "demo-goal-avvikelser")
    share = call("POST", f"{api}/{goal['id']}/indicators", {
        "name": "Andel avvikelser som utretts inom 14 dagar", "unit_of_measure": "percent",
        "direction": "higher_is_better", "target": 90, "threshold": 80, "frequency": "monthly"}, karin)
    call("POST", f"{api}/{goal['id']}/indicators/{share['id']}/measurements/import",
         {"csv": _csv(months, INVESTIGATED_IN_TIME)}, karin)

    goal = call("POST", api, {
        "unit_id": demo.unit_id(TENANT, "Hemtjänst Norr"), "title": "Brukarnöjdhet i hemtjänsten",
        "description": "Brukarna ska vara nöjda med hemtjänsten som helhet; följs upp varje månad med enhetens "
                       "egen korta enkät och varje år med Socialstyrelsens brukarundersökning.",
        "period_start": start, "period_end": end}, erik, "demo-goal-brukarnojdhet")
    monthly = call("POST", f"{api}/{goal['id']}/indicators", {
        "name": "Andel brukare som är nöjda med hemtjänsten (enhetens månadsuppföljning)",
        "unit_of_measure": "percent", "direction": "higher_is_better", "target": 90, "threshold": 85,
        "frequency": "monthly"}, erik)
    call("POST", f"{api}/{goal['id']}/indicators/{monthly['id']}/measurements/import",
         {"csv": _csv(months, SATISFIED)}, erik)
    yearly = call("POST", f"{api}/{goal['id']}/indicators", {
        "name": "Brukarbedömning hemtjänst äldreomsorg – helhetssyn (Socialstyrelsens brukarundersökning)",
        "unit_of_measure": "percent", "direction": "higher_is_better", "target": 90, "threshold": 85,
        "source": "U21468", "frequency": "yearly"}, erik)
    call("POST", f"{api}/{goal['id']}/indicators/{yearly['id']}/measurements",
         {"period": first[:4], "value": "88", "note": "Brukarundersökningen"}, erik)
