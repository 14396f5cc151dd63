"""What the service does when another service's event arrives: keep its copies of the org tree and of who holds
which role where (both from the processes service)."""
from __future__ import annotations

from ordning_shared.orgtree import org_unit_handlers
from ordning_shared.roles import role_handlers

HANDLERS = {**org_unit_handlers(), **role_handlers()}
