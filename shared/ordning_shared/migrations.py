"""Alembic per service, run by one command: `ordning-migrate <service> [upgrade|current|revision -m MSG]`.

Each service keeps its migrations in services/<name>/migrations; its env.py
calls `run_env(metadata)` from here, so the migration environment is written once.
The platform's tables are migrated by the platform's own branches
(ordning_shared.platform_migrations), which a service's first revision depends on
and which its migrations package names in PLATFORM_BRANCHES. One alembic_version
table holds a head per branch, so `upgrade` goes to every head.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os

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
    command.upgrade(alembic_config(service, settings), revision)


def _render_item(type_, obj, autogen_context):
    """Migrations spell the platform's column types in plain SQLAlchemy, so they import nothing of ours."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(metadata) -> None:
    """The body of every service's migrations/env.py."""
    config = context.config
    settings: Settings = config.attributes.get("settings") or Settings.from_env(
        config.get_main_option("service") or "unknown")
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_item=_render_item,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="ordning-migrate", description="Run a service's database migrations")
    parser.add_argument("service")
    parser.add_argument("action", nargs="?", default="upgrade", choices=["upgrade", "current", "revision"])
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args(argv)
    config = alembic_config(args.service)
    if args.action == "upgrade":
        command.upgrade(config, "heads")
    elif args.action == "current":
        command.current(config, verbose=True)
    else:
        # A service's own change goes on its own branch; a platform table's change is written by hand
        # in ordning_shared/platform_migrations/<branch>.
        command.revision(config, message=args.message, autogenerate=True, head=f"{args.service}@head")


if __name__ == "__main__":
    main()
