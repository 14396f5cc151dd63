"""The processes service's domain, one module per aggregate family: `org` (the organisation tree) and
`roles` (the vocabulary of roles and PDCA phases); role assignments, the process map, governing documents
and quality goals join it as modules of their own.

Plain Python: no Flask, no database session. Callers import from `ordning_processes.domain`.
"""
from .org import *  # noqa: F401,F403
from .org import __all__ as _org_all
from .roles import *  # noqa: F401,F403
from .roles import __all__ as _roles_all

__all__ = list(_org_all) + list(_roles_all)

# --- governing documents (proc-docs) ---
from .documents import *  # noqa: F401,F403,E402
from .documents import __all__ as _documents_all  # noqa: E402

__all__ += list(_documents_all)

# --- role assignments and duties (proc-roles) ---
from .role_assignments import *  # noqa: F401,F403,E402
from .role_assignments import __all__ as _role_assignments_all  # noqa: E402
from .role_duties import *  # noqa: F401,F403,E402
from .role_duties import __all__ as _role_duties_all  # noqa: E402

__all__ += list(_role_assignments_all) + list(_role_duties_all)

# --- the process map and its templates (proc-map) ---
from .process_map import *  # noqa: F401,F403,E402
from .process_map import __all__ as _process_map_all  # noqa: E402
from .process_templates import *  # noqa: F401,F403,E402
from .process_templates import __all__ as _templates_all  # noqa: E402

__all__ += list(_process_map_all) + list(_templates_all)

# --- quality goals (proc-goals) ---
from .goals import *  # noqa: F401,F403,E402
from .goals import __all__ as _goals_all  # noqa: E402

__all__ += list(_goals_all)
