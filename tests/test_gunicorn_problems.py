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
