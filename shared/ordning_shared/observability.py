"""Metrics (Prometheus), tracing (OpenTelemetry) and JSON logs with the trace id."""
from __future__ import annotations

import functools
import logging
import os
import sys
import traceback

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client import REGISTRY, generate_latest, CONTENT_TYPE_LATEST

from .jsonlog import JsonFormatter

_propagator = TraceContextTextMapPropagator()

HTTP_REQUESTS = Counter(
    "ordning_http_requests", "HTTP requests handled", ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "ordning_http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("ordning_events_published", "Events published to the bus", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "ordning_events_consumed", "Events consumed from the bus", ["service", "type", "outcome"])
OUTBOX_PENDING = Gauge(
    "ordning_outbox_pending", "Events in the outbox not yet published", ["service"], multiprocess_mode="max")
WORKER_HEARTBEAT = Gauge(
    "ordning_worker_heartbeat_timestamp_seconds", "When a worker loop (relay, consumer) last made a turn",
    ["service", "loop"])
BROKER_UP = Gauge(
    "ordning_broker_up", "1 when the broker answered the last check, else 0", ["service"], multiprocess_mode="min")



def exception_without_values(exc: BaseException) -> str:
    """The class and the stack of an exception and of each exception behind it, never their messages: a
    driver's message can carry the values of a row (`DETAIL: Key (name)=(...)`), which no log may hold."""
    parts = []
    seen = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        # Where, not what: a frame's source line may hold a literal value too.
        frames = "".join(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
                         for frame in traceback.extract_tb(current.__traceback__))
        parts.append(name + "\n" + frames)
        current = current.__cause__ or current.__context__
    return "caused by ".join(parts)

def metrics_payload() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Under gunicorn each worker writes its own file; one scrape sums them.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


_tracing_ready = False


def setup_tracing(service: str) -> None:
    global _tracing_ready
    if _tracing_ready:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"ordning-{service}"}))
    if os.environ.get("ORDNING_TRACE_CONSOLE"):
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
    trace.set_tracer_provider(provider)
    _tracing_ready = True


@functools.cache
def tracer():
    # One per process: get_tracer builds a new Tracer on every call, and every request asks for it.
    return trace.get_tracer("ordning")


def current_traceparent() -> str | None:
    carrier: dict = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def extract_context(traceparent: str | None):
    if not traceparent:
        return otel_context.get_current()
    return _propagator.extract({"traceparent": traceparent})


ACCESS_LOGGER = "ordning.access"


def setup_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("amqp").setLevel("WARNING")
    logging.getLogger("kombu").setLevel("WARNING")
    # SQLAlchemy logs statements at INFO and fetched rows at DEBUG: rows hold personal data.
    logging.getLogger("sqlalchemy").setLevel("WARNING")
    # werkzeug's server logs every request with its raw path and query (a q= may be a person's name);
    # the app's own access line (ACCESS_LOGGER) replaces it.
    logging.getLogger("werkzeug").setLevel("WARNING")


def log_access(method: str, route: str, status: int, duration_ms: float, tenant: str | None) -> None:
    """The request's access line: the route template rather than the path, never the query or the body."""
    fields = {"method": method, "route": route, "status": status, "duration_ms": round(duration_ms, 1)}
    if tenant:
        fields["tenant"] = tenant
    logging.getLogger(ACCESS_LOGGER).info("%s %s %s", method, route, status, extra={"fields": fields})
