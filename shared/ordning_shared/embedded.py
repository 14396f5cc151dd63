"""One service of the embedded stack in one process: its API and its worker loops as threads.

`make run` starts one of these per service (production keeps them apart: a gunicorn API
Deployment and a worker Deployment). The process migrates the service's database, serves its
API with werkzeug's threaded WSGI server on a socket the launcher bound for it (or binds
`--port` itself), and runs the service's `worker(stop)` (outbox relay, event consumer, periodic
jobs) in a thread. The web owns no data: it has no database to migrate and no worker, only its app. SIGTERM or SIGINT sets the one stop event: the server stops accepting, the
worker's loops finish their turn (the relay its batch, the consumer its message) and the
process exits; so does it when its parent, the launcher, is gone.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import signal
import socket
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .problems import PROBLEM_CONTENT_TYPE, BadRequest, HeaderFieldsTooLarge, UriTooLong, problem_json

log = logging.getLogger(__name__)

EXIT_PORT_IN_USE = 3
EXIT_WORKER_DIED = 4
STOP_SECONDS = 15  # the worker's loops finish their turn within this; the launcher waits a little longer
# Deployables that own no data (no database, no migrations, no worker): they only serve their app.
WITHOUT_DATA = frozenset({"web"})


# What the server answers itself, before the app sees a request, as problem+json like every answer of the
# app (as gunicorn_worker does in production). The detail never echoes the request: it may hold anything.
UNREADABLE_REQUESTS = {
    400: (BadRequest, "Begäranraden eller ett huvud kunde inte läsas. The request line or a header is malformed."),
    414: (UriTooLong, "Begäranraden är för lång. The request line is longer than the server accepts."),
    431: (HeaderFieldsTooLarge, "Begäran har för många eller för stora huvuden. The request has too many headers, or a header too large."),
}


class QuietRequestHandler(WSGIRequestHandler):
    """The app logs every request itself (one JSON line); the server adds none of its own."""

    def log_request(self, code="-", size="-") -> None:
        pass

    def send_error(self, code, message=None, explain=None) -> None:
        if code not in UNREADABLE_REQUESTS:
            return super().send_error(code, message, explain)
        problem, detail = UNREADABLE_REQUESTS[code]
        body = problem_json(problem(detail).document())
        self.close_connection = True
        self.send_response(code, problem.title)
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on host:port; OSError(EADDRINUSE) when another program holds it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As every server: a port with connections of a stopped server in TIME_WAIT is free to bind.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def port_in_use_message(service: str, port: int) -> str:
    return (f"{service} cannot listen on port {port}: another program is using it. "
            f"See which with `ss -ltnp 'sport = :{port}'` (or `lsof -i :{port}`) and stop it, "
            f"or start the stack on other ports: ORDNING_RUN_PORT_BASE=9000 make run")


def serve(service: str, sock: socket.socket) -> int:
    """Run the service until told to stop; returns the exit status."""
    module = importlib.import_module(f"ordning_{service}.app")
    owns_data = service not in WITHOUT_DATA
    if owns_data:
        from .config import Settings
        from .migrations import upgrade

        Settings.from_env(service).data_dir.mkdir(parents=True, exist_ok=True)  # the SQLite files and the bus
        upgrade(service)
    app = module.create_app()
    server = make_server(*sock.getsockname()[:2], app, threaded=True, request_handler=QuietRequestHandler,
                         fd=sock.fileno())
    sock.close()  # the server holds its own duplicate of the socket
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    parent = os.getppid()
    worker = None
    if owns_data:
        worker = threading.Thread(target=module.worker, kwargs={"stop": stop}, name=f"{service}-worker")
        worker.start()
    api = threading.Thread(target=server.serve_forever, name=f"{service}-api", daemon=True)
    api.start()
    status = 0
    while not stop.wait(0.5):
        if worker is not None and not worker.is_alive():
            log.error("the worker's loops stopped on their own; stopping the service")
            status = EXIT_WORKER_DIED
            break
        if os.getppid() != parent:  # the launcher was killed: do not hold the port for ever
            break
    stop.set()
    server.shutdown()
    server.server_close()
    if worker is not None:
        worker.join(timeout=STOP_SECONDS)
        if worker.is_alive():
            log.error("the worker's loops did not stop within %d s", STOP_SECONDS)
            status = status or 1
    return status


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ordning_shared.embedded",
                                     description="One service of the embedded stack: API and worker in one process")
    parser.add_argument("service")
    parser.add_argument("--fd", type=int, help="a listening socket the launcher bound")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        try:
            sock = listening_socket(args.host, args.port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            print(port_in_use_message(args.service, args.port), file=sys.stderr)
            raise SystemExit(EXIT_PORT_IN_USE) from None
    raise SystemExit(serve(args.service, sock))


if __name__ == "__main__":
    main()
