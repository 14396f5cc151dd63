"""What the service does when another service's event arrives: keep its copy of the org tree."""
from __future__ import annotations

from ordning_shared.orgtree import org_unit_handlers

HANDLERS = org_unit_handlers()
