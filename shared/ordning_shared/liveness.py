"""The worker's liveness: its loops beat, and /healthz on the metrics port fails when a beat is too old.

A worker whose relay or consumer hangs (a lost connection nobody noticed, a handler stuck for ever)
still answers /metrics; only a heartbeat shows that it makes progress, so Kubernetes restarts it.
"""
from __future__ import annotations

import json
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from .observability import WORKER_HEARTBEAT


class Heartbeats:
    def __init__(self, service: str, bound_seconds: float):
        self.service = service
        self.bound_seconds = bound_seconds
        self._last: dict[str, float] = {}

    def beater(self, loop: str):
        """A function the loop `loop` calls on every turn; the loop counts as alive from now on."""
        def beat() -> None:
            self._last[loop] = time.monotonic()
            WORKER_HEARTBEAT.labels(self.service, loop).set(time.time())
        beat()
        return beat

    def stalled(self) -> dict[str, float]:
        """Loops whose last beat is older than the bound, with its age in seconds."""
        now = time.monotonic()
        return {loop: round(now - last, 1) for loop, last in self._last.items() if now - last > self.bound_seconds}

    def wsgi_app(self):
        metrics = make_wsgi_app()

        def app(environ, start_response):
            if environ.get("PATH_INFO") != "/healthz":
                return metrics(environ, start_response)
            stalled = self.stalled()
            body = json.dumps({"status": "stalled" if stalled else "ok", "stalled": stalled,
                               "loops": sorted(self._last)}).encode()
            start_response("503 Service Unavailable" if stalled else "200 OK",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return app

    def serve(self, port: int, host: str = "0.0.0.0") -> WSGIServer:
        """/metrics (Prometheus) and /healthz on one port, in a daemon thread."""
        server = make_server(host, port, self.wsgi_app(), _ThreadingServer, handler_class=_QuietHandler)
        threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True).start()
        return server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # a probe every few seconds is not news
        pass
