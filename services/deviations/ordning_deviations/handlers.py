"""What the service does when another service's event arrives: keep its copies of the org tree, of who holds
which role where and of the established processes and their steps (all from the processes service)."""
from __future__ import annotations

from ordning_shared.orgtree import org_unit_handlers
from ordning_shared.processmap import process_handlers
from ordning_shared.roles import role_handlers

from . import classification_service

# ... and of the consequence scales of the tenants' risk matrices (from the risks service).
HANDLERS = {**org_unit_handlers(), **role_handlers(), **process_handlers(), **classification_service.handlers()}
