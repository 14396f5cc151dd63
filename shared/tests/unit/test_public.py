"""The public endpoints' settings and client identity, without infrastructure."""
from __future__ import annotations

import pytest

from ordning_shared.config import ConfigError, Settings
from ordning_shared.public import client_hash, client_network


def test_rate_limits_are_settings():
    settings = Settings.from_env("deviations", {"ORDNING_PUBLIC_RATE_LIMIT_PER_CLIENT": "5/second",
                                                "ORDNING_PUBLIC_RATE_LIMIT_PER_TENANT": "1000 / Day",
                                                "ORDNING_TRUSTED_PROXIES": "1"})
    assert settings.public_rate_limit_per_client == (5, 1)
    assert settings.public_rate_limit_per_tenant == (1000, 86400)
    assert settings.trusted_proxies == 1
    defaults = Settings.from_env("deviations", {})
    assert (defaults.public_rate_limit_per_client, defaults.public_rate_limit_per_tenant) == ((10, 60), (600, 3600))
    assert defaults.trusted_proxies == 0 and defaults.redis_url is None


@pytest.mark.parametrize("name,value", [
    ("ORDNING_PUBLIC_RATE_LIMIT_PER_CLIENT", "10"), ("ORDNING_PUBLIC_RATE_LIMIT_PER_CLIENT", "ten/minute"),
    ("ORDNING_PUBLIC_RATE_LIMIT_PER_TENANT", "0/hour"), ("ORDNING_PUBLIC_RATE_LIMIT_PER_TENANT", "5/week"),
    ("ORDNING_TRUSTED_PROXIES", "-1"), ("ORDNING_CLIENT_HASH_KEY", "short")])
def test_a_bad_setting_is_refused_with_its_name(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env("deviations", {name: value})


def test_a_client_is_its_ipv4_address_or_its_ipv6_64_and_is_kept_as_a_keyed_hash():
    assert client_network("198.51.100.7") == "198.51.100.7"
    assert client_network("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_network("2001:db8:1:2:aaaa::1") == client_network("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::1") != client_network("2001:db8:1:2::1")
    assert client_network(None) == client_network("not an address") == "unknown"
    one, other = b"k" * 32, b"j" * 32
    assert client_hash(one, "198.51.100.7") == client_hash(one, "198.51.100.7")
    assert client_hash(one, "198.51.100.7") != client_hash(other, "198.51.100.7")  # keyed: not a plain digest
