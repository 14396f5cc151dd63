from ordning_shared.migrations import run_env
from ordning_notify.db import metadata
import ordning_notify.deadline_db  # noqa: F401,E402 - its tables are on the same metadata
run_env(metadata)
