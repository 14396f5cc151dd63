"""JSON log lines, one object per line, with the trace id of the current span.

Apart from ordning_shared.observability because gunicorn's master loads this formatter for its own lines
(gunicorn_conf.logconfig_dict) before it sets PROMETHEUS_MULTIPROC_DIR: a module that defined metrics,
imported there, would make them count per process instead of summing gunicorn's workers.
"""
from __future__ import annotations

import json
import logging
import time

from opentelemetry import trace


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace id of the current span; a record's `fields` (given as
    `extra={"fields": {...}}`) become members of the line."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        span_context = trace.get_current_span().get_span_context()
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
