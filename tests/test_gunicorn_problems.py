"""gunicorn's own refusals (a request it cannot read) are problem+json, like every answer of the app."""
from __future__ import annotations

import json
import socket

import pytest
import requests

from ordning_shared.gunicorn_conf import limit_request_field_size, limit_request_line

pytestmark = pytest.mark.e2e


def raw_request(port: int, data: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def assert_problem(answer, status: int, code: str) -> dict:
    got_status, headers, body = answer
    assert got_status == status, body
    assert headers["content-type"] == "application/problem+json"
    document = json.loads(body)
    assert (document["status"], document["code"]) == (status, code)
    assert document["type"] == f"urn:ordning:problem:{code}" and document["title"] and document["detail"]
    return document


def test_a_request_line_too_long_is_a_414_problem(gunicorn_api):
    path = "/api/v1/org-units?q=" + "a" * limit_request_line
    document = assert_problem(raw_request(gunicorn_api, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()), 414,
                              "uri_too_long")
    assert "aaaa" not in json.dumps(document)  # what the client sent is never echoed


def test_a_malformed_request_line_is_a_400_problem(gunicorn_api):
    assert_problem(raw_request(gunicorn_api, b"NOT A REQUEST LINE\r\n\r\n"), 400, "bad_request")


def test_a_malformed_header_is_a_400_problem(gunicorn_api):
    assert_problem(raw_request(gunicorn_api, b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"), 400,
                   "bad_request")


def test_a_header_too_large_is_a_431_problem(gunicorn_api):
    big = "x" * (limit_request_field_size + 10)
    assert_problem(raw_request(gunicorn_api, f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n".encode()), 431,
                   "request_header_fields_too_large")


def test_requests_within_the_limits_reach_the_app(gunicorn_api):
    response = requests.get(f"http://127.0.0.1:{gunicorn_api}/healthz", timeout=5)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    missing = requests.get(f"http://127.0.0.1:{gunicorn_api}/api/v1/nothing", timeout=5)
    assert missing.status_code == 401 and missing.headers["Content-Type"] == "application/problem+json"


def chunked_post(port: int, token: str, chunks) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /api/v1/org-units HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed before the rest was sent
            pass
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def test_a_chunked_body_over_the_limit_is_a_413_problem(gunicorn_api):
    from ordning_shared.config import Settings

    limit = Settings.max_request_bytes
    token = requests.post(f"http://127.0.0.1:{gunicorn_api}/dev/token", json={"user": "anna"},
                          timeout=5).json()["access_token"]
    document = assert_problem(chunked_post(gunicorn_api, token, [b"x" * 16384] * (4 * limit // 16384 + 1)), 413,
                              "request_entity_too_large")
    assert str(limit) in document["detail"]
    # within the limit, a chunked body is read as any other: here it reaches the role check
    body = json.dumps({"kind": "board", "name": "Omsorgsnämnden"}).encode()
    assert_problem(chunked_post(gunicorn_api, token, [body[:10], body[10:]]), 403, "forbidden")
