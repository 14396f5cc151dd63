"""What a running service holds: its settings, its database and its unit of work."""
from __future__ import annotations

from .config import Settings
from .db import PlatformTables, UnitOfWork, make_engine, make_session_factory


class Platform:
    def __init__(self, settings: Settings, tables: PlatformTables):
        self.settings = settings
        self.tables = tables
        self.metadata = tables.metadata
        self.engine = make_engine(settings.database_url)
        self.session_factory = make_session_factory(self.engine)

    @property
    def service(self) -> str:
        return self.settings.service

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.tables, self.settings.service)

    def create_all(self) -> None:
        """For tests and the embedded stack's first start; production runs migrations."""
        self.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["Platform"]
