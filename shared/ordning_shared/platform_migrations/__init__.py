"""The platform's own Alembic branches, declared once for every service.

`platform` holds the tables every service keeps (outbox, inbox, audit_log,
idempotency_keys); `org_replica` the copy of the organisation tree that services
scoping by organisation keep; `role_replica` the copy of who holds which role where; `process_replica` the
copy of the established processes and their step ids. A service's first migration depends on the branches
it uses (its migrations package lists them in PLATFORM_BRANCHES), so a change to a
platform table is one migration here that every service's `ordning-migrate` runs.
"""
import os

BRANCHES = ("platform", "org_replica", "role_replica", "process_replica")


def location(branch: str) -> str:
    """The folder of a platform branch's revisions."""
    if branch not in BRANCHES:
        raise ValueError(f"unknown platform migration branch {branch!r}; known: {', '.join(BRANCHES)}")
    return os.path.join(os.path.dirname(__file__), branch)
