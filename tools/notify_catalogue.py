"""Writes services/notify/ordning_notify/catalogue.py's EVENT_FIELDS anew from the event catalogue (docs/asyncapi.yaml).

Notify needs the catalogue at run time (the document is not part of its package), and every service that adds an
event type or a payload field changes it; tests/unit/test_catalogue.py keeps the two equal. Run this after changing
docs/asyncapi.yaml:  .venv/bin/python tools/notify_catalogue.py
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "docs" / "asyncapi.yaml"
TARGET = ROOT / "services" / "notify" / "ordning_notify" / "catalogue.py"


def event_fields() -> dict[str, list[str]]:
    messages = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["components"]["messages"]
    return {message["name"]: sorted(message["payload"]["properties"]["data"].get("properties", {}))
            for message in messages.values()}


def render(fields: dict[str, list[str]]) -> str:
    lines = ["EVENT_FIELDS: dict[str, frozenset[str]] = {"]
    for event_type, names in fields.items():
        one_line = f'    "{event_type}": frozenset({{{", ".join(f"{n!r}" for n in names)}}}),'.replace("'", '"')
        if len(one_line) <= 120:
            lines.append(one_line)
            continue
        lines.append(f'    "{event_type}": frozenset({{')
        body = ", ".join(f'"{name}"' for name in names)
        lines.extend(textwrap.wrap(body, width=116, initial_indent="        ", subsequent_indent="        ",
                                   break_on_hyphens=False))
        lines.append("    }),")
    lines.append("}")
    return "\n".join(lines)


def main() -> None:
    text = TARGET.read_text(encoding="utf-8")
    new = re.sub(r"^EVENT_FIELDS: dict\[str, frozenset\[str\]\] = \{\n.*?^\}", lambda _: render(event_fields()), text,
                 count=1, flags=re.S | re.M)
    TARGET.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
