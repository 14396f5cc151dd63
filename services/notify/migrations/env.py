from ordning_shared.migrations import run_env
from ordning_notify import mail  # noqa: F401  (its tables, on the same metadata)
from ordning_notify.db import metadata
run_env(metadata)
