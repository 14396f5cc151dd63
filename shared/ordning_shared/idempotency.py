"""Idempotency-Key on POST: a client that retries after a network failure creates nothing twice.

The key is recorded in the same transaction as what the request created, so
a crash between the two cannot happen. A retry with the same key and the same
body gets the created resource again; the same key with another body is a 422.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from flask import request

from .db import UnitOfWork, utcnow
from .platform import Platform
from .problems import BadIdempotencyKey, IdempotencyKeyReused

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class IdempotencyClaim:
    tenant: str
    principal: str
    key: str
    fingerprint: str
    resource_type: str

    def record(self, uow: UnitOfWork, resource_id: str, status: int = 201) -> None:
        uow.insert_on_commit(uow.tables.idempotency_keys, {
            "tenant": self.tenant, "principal": self.principal, "key": self.key, "fingerprint": self.fingerprint,
            "resource_type": self.resource_type, "resource_id": str(resource_id), "status": status,
            "created_at": utcnow()})


def record(claim: IdempotencyClaim | None, uow: UnitOfWork, resource_id: str, status: int = 201) -> None:
    if claim is not None:
        claim.record(uow, resource_id, status)


def fingerprint(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def request_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise BadIdempotencyKey(f"{HEADER} ska vara 1 till 200 skrivbara tecken.",
                                f"{HEADER} must be 1 to 200 printable characters.")
    return key


def _lookup(platform: Platform, claim: IdempotencyClaim):
    table = platform.tables.idempotency_keys
    with platform.engine.connect() as connection:
        return connection.execute(sa.select(table).where(
            table.c.tenant == claim.tenant, table.c.principal == claim.principal, table.c.key == claim.key,
        )).first()


def _created(result, load):
    return load(result) if isinstance(result, str) else result


def create_once(platform: Platform, *, tenant: str, principal: str, payload, resource_type: str,
                create: Callable[[IdempotencyClaim | None], str], load: Callable[[str], object]):
    """Run `create` at most once per key; returns (resource, status, replayed).

    `create` returns the new resource's id (then `load` reads it) or the resource itself,
    which saves a read on the hot path; `load` always serves replays.
    """
    key = request_key()
    if key is None:
        return _created(create(None), load), 201, False
    claim = IdempotencyClaim(tenant, principal, key, fingerprint(payload), resource_type)
    for attempt in (1, 2):
        existing = _lookup(platform, claim)
        if existing is not None:
            if existing.fingerprint != claim.fingerprint or existing.resource_type != resource_type:
                raise IdempotencyKeyReused(f"Den här {HEADER} användes för en annan begäran; använd en ny nyckel.",
                                           f"This {HEADER} was used for another request; use a new key.")
            return load(existing.resource_id), existing.status, True
        try:
            return _created(create(claim), load), 201, False
        except sa.exc.IntegrityError as exc:
            # A concurrent retry with the same key won the race: answer with its result. The driver's
            # message names the violated table; the statement may name it even when another failed.
            if "idempotency_keys" not in str(exc.orig) or attempt == 2:
                raise
    raise AssertionError("unreachable")
