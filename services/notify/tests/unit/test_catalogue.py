"""The catalogue notify knows at run time (catalogue.py) is the event catalogue (docs/asyncapi.yaml), type for type
and field for field: a rule is refused or allowed by what the catalogue documents, nothing else."""
from __future__ import annotations

from pathlib import Path

import yaml

from ordning_notify.catalogue import EVENT_FIELDS
from ordning_notify.handlers import HANDLERS

CATALOGUE = Path(__file__).resolve().parents[4] / "docs" / "asyncapi.yaml"


def documented() -> dict[str, frozenset]:
    messages = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["components"]["messages"]
    return {message["name"]: frozenset(message["payload"]["properties"]["data"].get("properties", {}))
            for message in messages.values()}


def test_every_documented_event_type_with_its_payload_fields_and_no_other():
    assert EVENT_FIELDS == documented()


def test_the_worker_handles_every_catalogue_type():
    assert set(HANDLERS) == set(documented())
