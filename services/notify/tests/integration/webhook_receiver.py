"""A webhook receiver started in a test: a real HTTP or HTTPS server on 127.0.0.1 that records what arrives (the
path, the headers, the body, the TLS server name the client asked for) and answers each path as the test scripts it
(statuses in turn, the last one again and again; a redirect; a slow answer). For HTTPS, a CA of the test's own and a
certificate for localhost and hooks.test that it signed."""
from __future__ import annotations

import datetime
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NAMES = ("localhost", "hooks.test")


@dataclass(frozen=True)
class TestCA:
    ca_file: Path  # what the sender trusts (ORDNING_WEBHOOKS_CA_FILE)
    cert_file: Path
    key_file: Path


def make_ca(folder: Path, names=NAMES) -> TestCA:
    """A CA and a server certificate for `names` (and 127.0.0.1) it signed, as PEM files in `folder`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ordning test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False, decipher_only=False),
                              critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([*(x509.DNSName(n) for n in names),
                                                        x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = TestCA(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return files


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict  # lower-case names
    body: str
    server_name: str | None  # the TLS SNI the client sent (None over plain HTTP)
    at: float


@dataclass
class Receiver:
    tls: TestCA | None = None
    received: list = field(default_factory=list)
    script: dict = field(default_factory=dict)  # path -> [status or "redirect" or ("slow", seconds, status)]
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        receiver = self
        server_names: dict = {}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                name = server_names.get(id(self.connection)) if receiver.tls else None
                with receiver._lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body, name, time.monotonic()))
                    answers = receiver.script.get(self.path, [200])
                    answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if isinstance(answer, tuple):  # ("slow", seconds, status)
                    time.sleep(answer[1])
                    answer = answer[2]
                if answer == "redirect":
                    self.send_response(307)
                    self.send_header("Location", "/elsewhere")
                else:
                    self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.cert_file, self.tls.key_file)

            def remember(sock, name, _context):
                server_names[id(sock)] = name

            context.sni_callback = remember
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str, host: str = "localhost") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{path}"

    def answer(self, path: str, *answers) -> None:
        with self._lock:
            self.script[path] = list(answers)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]
