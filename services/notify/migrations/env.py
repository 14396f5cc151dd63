from ordning_shared.migrations import run_env
from ordning_notify.db import metadata
run_env(metadata)
