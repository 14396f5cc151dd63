"""Alembic migrations of this service, installed with it as a subpackage."""

# The platform's Alembic branches this service's history depends on (ordning_shared.platform_migrations).
PLATFORM_BRANCHES = ("platform", "org_replica", "role_replica")
