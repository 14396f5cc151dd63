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


_RSA_KEYS: dict[tuple, list] = {}


@pytest.fixture(autouse=True)
def reused_rsa_keys(monkeypatch):
    """Generating RSA keys was most of the auth tests' time (and `make mutation` runs them per mutant).

    Within a test each generated key is new, as before; across tests the same few keys come back.
    """
    from cryptography.hazmat.primitives.asymmetric import rsa

    generate = rsa.generate_private_key
    handed_out: dict[tuple, int] = {}

    def reused(public_exponent, key_size, backend=None):
        shape = (public_exponent, key_size)
        keys = _RSA_KEYS.setdefault(shape, [])
        index = handed_out[shape] = handed_out.get(shape, -1) + 1
        if index == len(keys):
            keys.append(generate(public_exponent=public_exponent, key_size=key_size))
        return keys[index]

    monkeypatch.setattr(rsa, "generate_private_key", reused)
