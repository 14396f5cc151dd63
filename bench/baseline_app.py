"""The benchmark's baseline: a bare Flask + psycopg handler that inserts the same row and an outbox row.

No schema validation, no auth, no ORM, no audit: the floor that the real service is measured against.
"""
import json
import os
import threading
import uuid
from datetime import date, datetime, timedelta, timezone

import psycopg
from flask import Flask, request

app = Flask(__name__)
_local = threading.local()
DSN = os.environ["BENCH_BASELINE_DSN"]


def connection():
    if getattr(_local, "connection", None) is None:
        _local.connection = psycopg.connect(DSN)
    return _local.connection


@app.post("/api/v1/deviations")
def report():
    body = request.get_json()
    now = datetime.now(timezone.utc)
    deviation_id = str(uuid.uuid4())
    event_id = str(uuid.uuid4())
    event = {"specversion": "1.0", "id": event_id, "source": "/ordning/0138/deviations",
             "type": "se.ordning.deviation.reported.v1", "subject": deviation_id, "tenant": "0138",
             "time": now.isoformat(), "datacontenttype": "application/json",
             "data": {"deviation_id": deviation_id, "kind": body["kind"], "unit_id": body["unit_id"]}}
    conn = connection()
    with conn.transaction():
        conn.execute(
            "INSERT INTO deviations (id, tenant, reference, kind, status, origin, unit_id, description, reported_at,"
            " reported_by, receipt_due, investigation_due, version) VALUES"
            " (%s, '0138', %s, %s, 'reported', 'staff', %s, %s, %s, 'bench', %s, %s, 1)",
            (deviation_id, deviation_id[:20], body["kind"], body["unit_id"], body["description"], now,
             date.today() + timedelta(days=2), date.today() + timedelta(days=20)))
        conn.execute(
            "INSERT INTO outbox (event_id, tenant, type, body, created_at, attempts) VALUES (%s, '0138', %s, %s, %s, 0)",
            (event_id, event["type"], json.dumps(event), now))
    return {"id": deviation_id, "status": "reported"}, 201
