"""gunicorn settings for a service's API in its container.

The image runs `gunicorn -c python:ordning_shared.gunicorn_conf "ordning_<service>.app:create_app()"`,
the same app factory `make run` serves; the chart sets the numbers through ORDNING_API_* variables.
"""
import os
import re
import shutil
import sys
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('ORDNING_API_PORT', '8000')}"
workers = int(os.environ.get("ORDNING_API_WORKERS", "2"))
worker_class = "ordning_shared.gunicorn_worker.ProblemThreadWorker"  # gthread; its own 400/414/431 as problem+json
threads = int(os.environ.get("ORDNING_API_THREADS", "4"))
timeout = int(os.environ.get("ORDNING_API_TIMEOUT_SECONDS", "30"))
graceful_timeout = 20  # inside Kubernetes' default 30 s termination grace period
keepalive = 75  # longer than the ingress controller's upstream keep-alive, so it never reuses a closed socket
# What gunicorn reads of a request before the app sees it; past these it answers 414 or 431 (problem+json).
limit_request_line = 4094  # bytes of "GET /path?query HTTP/1.1"
limit_request_fields = 100  # headers
limit_request_field_size = 8190  # bytes of one header line
accesslog = None  # the app logs each request as JSON with its trace id
logger_class = "ordning_shared.gunicorn_worker.JsonLogger"  # its access log off, whatever the log config


def _service() -> str:
    """The service of the app gunicorn serves (`ordning_<service>.app:create_app()`), for the log lines."""
    for argument in reversed(sys.argv):
        found = re.match(r"ordning_(\w+)\.app\b", argument)
        if found:
            return found.group(1)
    return os.environ.get("ORDNING_SERVICE", "api")


# gunicorn's own lines (start, workers, refused requests) as JSON like the app's, so a log platform parses
# every line; the level stays --log-level's (no "level" here).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ordning_shared.jsonlog.JsonFormatter", "service": _service()}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "propagate": False, "qualname": "gunicorn.error"},
        "gunicorn.access": {"handlers": [], "propagate": False, "qualname": "gunicorn.access"},
    },
}
worker_tmp_dir = os.environ.get("TMPDIR", "/tmp")  # the root filesystem is read-only


def on_starting(server):
    # Several worker processes answer /metrics in turn; each must report the sum of all of them.
    # Set here, in the master before it forks the workers, not when this file is imported.
    folder = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(worker_tmp_dir, "prometheus"))
    # Counters of a previous container in the same pod must not be summed into this one's.
    shutil.rmtree(folder, ignore_errors=True)
    Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
