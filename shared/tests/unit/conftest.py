import pytest
import sqlalchemy as sa

from ordning_shared.db import Id, PlatformTables, new_metadata
from ordning_shared.platform import Platform
from ordning_shared.testing import make_settings

metadata = new_metadata()
tables = PlatformTables(metadata)
things = sa.Table(
    "things", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
)


@pytest.fixture
def settings(tmp_path):
    return make_settings("deviations", database_url=f"sqlite:///{tmp_path / 'deviations.db'}",
                         broker_url="filesystem://", data_dir=tmp_path)


@pytest.fixture
def platform(settings):
    platform = Platform(settings, tables)
    platform.create_all()
    yield platform
    platform.dispose()


@pytest.fixture
def things_table():
    return things
