from ordning_shared.migrations import run_env
from ordning_processes.db import metadata
run_env(metadata)
