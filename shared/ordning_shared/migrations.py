"""Alembic per service, run by one command: `ordning-migrate <service> [upgrade|current|revision -m MSG]`.

Each service keeps its migrations in services/<name>/migrations; its env.py
calls `run_env(metadata)` from here, so the migration environment is written once.
The platform's tables are migrated by the platform's own branches
(ordning_shared.platform_migrations), which a service's first revision depends on
and which its migrations package names in PLATFORM_BRANCHES. One alembic_version
table holds a head per branch, so `upgrade` goes to every head.

Migrations run as the tables' owner (ORDNING_[<SERVICE>_]MIGRATION_DATABASE_URL, else the one
database URL); after upgrading, the owner grants the service's runtime role (the user of its
database URL, when another) what the service needs, and on the audit trail and the read log
only SELECT and INSERT: not being their owner, it cannot drop or disable their triggers either.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from . import platform_migrations
from .config import Settings
from .db import UTCDateTime, make_engine


def alembic_config(service: str, settings: Settings | None = None) -> Config:
    # services/<name>/migrations is packaged as ordning_<name>.migrations (see its pyproject.toml).
    spec = importlib.util.find_spec(f"ordning_{service}.migrations")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"no migrations found for service {service!r}")
    location = list(spec.submodule_search_locations)[0]
    branches = getattr(importlib.import_module(f"ordning_{service}.migrations"), "PLATFORM_BRANCHES", ())
    config = Config()
    config.set_main_option("script_location", location)
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(
        [os.path.join(location, "versions")] + [platform_migrations.location(branch) for branch in branches]))
    config.attributes["settings"] = settings or Settings.from_env(service)
    return config


def upgrade(service: str, settings: Settings | None = None, revision: str = "heads") -> None:
    config = alembic_config(service, settings)
    command.upgrade(config, revision)
    grant_runtime_role(service, config.attributes["settings"])


# Tables whose rows are evidence: the runtime role adds and reads them, never changes or removes them.
APPEND_ONLY_TABLES = ("audit_log", "read_log")
RUNTIME_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"


def grant_runtime_role(service: str, settings: Settings) -> str | None:
    """Grant the runtime role its privileges on the service's tables; returns its name, None if there is none.

    Revokes first, so a privilege given by hand or by an earlier version does not linger. Nothing to do on
    SQLite or when the service runs as the owner (one URL, as `make run` and the tests do).
    """
    owner, runtime = sa.engine.make_url(settings.owner_database_url), sa.engine.make_url(settings.database_url)
    if owner.get_backend_name() != "postgresql" or not runtime.username or runtime.username == owner.username:
        return None
    # The service's own tables and the platform's it keeps (its migrations' env.py uses the same metadata).
    tables = sorted(importlib.import_module(f"ordning_{service}.db").metadata.tables)
    engine = make_engine(settings.owner_database_url)
    try:
        with engine.begin() as connection:
            quote = connection.dialect.identifier_preparer.quote
            role = quote(runtime.username)
            schema = quote(connection.execute(sa.text("SELECT current_schema()")).scalar_one())
            statements = [f"GRANT USAGE ON SCHEMA {schema} TO {role}",
                          f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
                          f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"]
            for table in tables:
                privileges = "SELECT, INSERT" if table in APPEND_ONLY_TABLES else RUNTIME_PRIVILEGES
                statements += [f"REVOKE ALL ON {schema}.{quote(table)} FROM {role}",
                               f"GRANT {privileges} ON {schema}.{quote(table)} TO {role}"]
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()
    return runtime.username


def _render_item(type_, obj, autogen_context):
    """Migrations spell the platform's column types in plain SQLAlchemy, so they import nothing of ours."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def database_only(metadata):
    """Alembic's include_object: leaves out what a service keeps in the database only, named in its metadata's
    info["database_only"] as (table, column or index) pairs (a PostgreSQL-only generated column, for one), so
    that comparing and autogenerating never propose to drop it."""
    kept = metadata.info.get("database_only", frozenset())

    def include(obj, name, type_, reflected, compare_to):
        table = getattr(getattr(obj, "table", None), "name", None)
        return not (reflected and compare_to is None and (table, name) in kept)

    return include


def run_env(metadata) -> None:
    """The body of every service's migrations/env.py."""
    config = context.config
    settings: Settings = config.attributes.get("settings") or Settings.from_env(
        config.get_main_option("service") or "unknown")
    engine = make_engine(settings.owner_database_url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_item=_render_item,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                          include_object=database_only(metadata))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="ordning-migrate", description="Run a service's database migrations")
    parser.add_argument("service")
    parser.add_argument("action", nargs="?", default="upgrade", choices=["upgrade", "current", "revision"])
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.service)
        return
    config = alembic_config(args.service)
    if args.action == "current":
        command.current(config, verbose=True)
    else:
        # A service's own change goes on its own branch; a platform table's change is written by hand
        # in ordning_shared/platform_migrations/<branch>.
        command.revision(config, message=args.message, autogenerate=True, head=f"{args.service}@head")


if __name__ == "__main__":
    main()
