import socket
import threading
import time

import pytest
import sqlalchemy as sa
from kombu import Connection

from ordning_shared.db import PlatformTables, new_metadata
from ordning_shared.platform import Platform
from ordning_shared.testing import BackgroundWorker, make_settings, wait_until

metadata = new_metadata()
tables = PlatformTables(metadata)
applied = sa.Table(  # no unique key on purpose: a duplicate application must show up as a second row
    "applied", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
)


@pytest.fixture
def make_platform(create_database, broker_url, bus_namespace, tmp_path):
    made = []

    def _make(service, *, broker=None, **overrides):
        settings = make_settings(service, database_url=create_database(service), broker_url=broker or broker_url,
                                 data_dir=tmp_path / service, bus_namespace=bus_namespace, **overrides)
        platform = Platform(settings, tables)
        platform.create_all()
        made.append(platform)
        return platform

    yield _make
    for platform in made:
        platform.dispose()


@pytest.fixture
def applied_table():
    return applied


def queue_info(broker_url, name):
    """(message_count, consumer_count) of a queue, or None if it does not exist."""
    with Connection(broker_url, connect_timeout=3) as connection:
        channel = connection.channel()
        try:
            _, messages, consumers = channel.queue_declare(queue=name, passive=True)
        except Exception:
            return None
        return messages, consumers


class TcpProxy:
    """127.0.0.1:<port> -> target, which can be cut off (listener and every connection) and restored."""

    def __init__(self, target=("localhost", 5672)):
        self.target = target
        self.port = 0
        self._listener = None
        self._sockets = set()
        self._lock = threading.Lock()

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone leaves the port listening on Linux
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    @property
    def url(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"


# Helpers handed out as fixtures: test modules here are not a package (an `integration` package
# would clash with the services' integration test packages under --import-mode=importlib).
@pytest.fixture
def queue_stats(broker_url):
    return lambda name: queue_info(broker_url, name)


@pytest.fixture
def start_consumer():
    """Starts a service's worker in a thread and waits until it consumes its queue."""
    def _start(platform, handlers, broker_url):
        name = f"{platform.settings.bus_namespace}.{platform.service}"
        # The queue outlives a test; the broker may still count the consumer of the test before (its connection
        # closing), which would let the wait below pass before this worker consumes. Let that one go first.
        deadline = time.monotonic() + 20
        while (queue_info(broker_url, name) or (0, 0))[1] and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = BackgroundWorker(platform, handlers).__enter__()
        wait_until(lambda: (queue_info(broker_url, name) or (0, 0))[1] >= 1, timeout=20,
                   message=f"a consumer on {name}")
        return worker
    return _start


@pytest.fixture
def tcp_proxy_class():
    return TcpProxy
