"""The processes service answers moments as Europe/Stockholm local time with the offset, as deviations does."""
from __future__ import annotations

from datetime import datetime

from ordning_shared.fields import LOCAL_ZONE

from .conftest import BASE


def swedish(text: str) -> bool:
    moment = datetime.fromisoformat(text)
    return "T" in text and moment.utcoffset() == moment.astimezone(LOCAL_ZONE).utcoffset()


def test_closed_at_and_history_are_swedish_time_with_the_offset(client, admin):
    board = client.post(BASE, json={"kind": "board", "name": "Socialnämnden"}, headers=admin)
    assert board.status_code == 201
    unit_id = board.get_json()["id"]
    closed = client.post(f"{BASE}/{unit_id}/close", json={}, headers={**admin, "If-Match": board.headers["ETag"]})
    assert closed.status_code == 200, closed.get_json()
    assert swedish(closed.get_json()["closed_at"])
    history = client.get(f"{BASE}/{unit_id}/history", headers=admin).get_json()["items"]
    assert history and all(swedish(entry["at"]) for entry in history)
