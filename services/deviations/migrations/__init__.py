"""Alembic migrations of this service, installed with it as a subpackage."""
