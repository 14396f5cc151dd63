"""The web's configuration from ORDNING_* variables, with embedded defaults (as ordning_shared.config).

The web owns no data: it needs to know where the services are, a key to sign its session cookie with,
and (in production) the identity provider people sign in with.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ordning_shared import demo
from ordning_shared.config import EMBEDDED, PRODUCTION, ConfigError, _int, _secret
from ordning_shared.devstack import base_url

SECRET_KEY_MIN = 32
TENANT_CODE = re.compile(r"^[0-9]{2}([0-9]{2})?$")  # SCB's kommunkod (four digits) or länskod (two)


def parse_tenants(text: str) -> tuple[tuple[str, str], ...]:
    """ORDNING_WEB_TENANTS: the installation's tenants as the chart's `tenants` list, in JSON
    ([{"code": "0138", "name": "Tyresö kommun"}, ...]): what the citizens' pages call each municipality."""
    try:
        items = json.loads(text)
    except ValueError:
        raise ConfigError("ORDNING_WEB_TENANTS must be JSON: a list of {\"code\": ..., \"name\": ...}") from None
    if not isinstance(items, list):
        raise ConfigError("ORDNING_WEB_TENANTS must be a list of {\"code\": ..., \"name\": ...}")
    tenants = []
    for item in items:
        code, name = (item.get("code"), item.get("name")) if isinstance(item, dict) else (None, None)
        if not isinstance(code, str) or not TENANT_CODE.match(code):
            raise ConfigError(f"ORDNING_WEB_TENANTS: a code must be two or four digits, got {code!r}")
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 100:
            raise ConfigError(f"ORDNING_WEB_TENANTS: the tenant {code} needs a name of at most 100 characters")
        tenants.append((code, name.strip()))
    return tuple(tenants)


@dataclass(frozen=True)
class WebSettings:
    env: str = EMBEDDED
    data_dir: Path = Path("var")
    processes_url: str = "http://127.0.0.1:8001"
    deviations_url: str = "http://127.0.0.1:8002"
    risks_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"  # its pages come with issue 12's web part
    notify_url: str = "http://127.0.0.1:8005"  # the inbox and notice settings (issue 13)
    secret_key: str = ""
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile"
    api_timeout: float = 10.0  # seconds for one call to a service; a page waits no longer than that
    log_level: str = "INFO"
    trusted_proxies: int = 0
    # The local issuer's name and audience, to sign demo users in (embedded only); as ordning_shared.config.
    auth_issuer: str = "ordning-local"
    auth_audience: str = "ordning"
    # (code, name) of each municipality this installation serves; the embedded default: the demo's.
    tenants: tuple = ()

    service = "web"

    def municipality(self, tenant: str) -> str | None:
        """The name of the municipality of a tenant code, None if this installation does not serve it."""
        return dict(self.tenants).get(tenant)

    @property
    def production(self) -> bool:
        return self.env == PRODUCTION

    @property
    def oidc(self) -> bool:
        """Sign-in through the identity provider; else (embedded only) the demo users' page."""
        return bool(self.oidc_issuer)

    @classmethod
    def from_env(cls, environ=None) -> "WebSettings":
        environ = os.environ if environ is None else environ
        env = environ.get("ORDNING_ENV", EMBEDDED)
        if env not in (EMBEDDED, PRODUCTION):
            raise ConfigError(f"ORDNING_ENV must be {EMBEDDED!r} or {PRODUCTION!r}, got {env!r}")
        data_dir = Path(environ.get("ORDNING_DATA_DIR", "var")).absolute()
        embedded = env == EMBEDDED
        secret_key = _secret(environ, "ORDNING_WEB_SECRET_KEY") or (kept_secret_key(data_dir) if embedded else "")
        timeout = environ.get("ORDNING_WEB_API_TIMEOUT_SECONDS")
        try:
            api_timeout = float(timeout) if timeout else cls.api_timeout
        except ValueError:
            raise ConfigError(f"ORDNING_WEB_API_TIMEOUT_SECONDS must be seconds, got {timeout!r}") from None
        tenants_text = environ.get("ORDNING_WEB_TENANTS")
        tenants = parse_tenants(tenants_text) if tenants_text else (
            tuple(demo.TENANTS.items()) if embedded else ())
        settings = cls(
            env=env,
            data_dir=data_dir,
            processes_url=(environ.get("ORDNING_WEB_PROCESSES_URL") or (base_url("processes") if embedded else "")
                           ).rstrip("/"),
            deviations_url=(environ.get("ORDNING_WEB_DEVIATIONS_URL") or (base_url("deviations") if embedded else "")
                            ).rstrip("/"),
            risks_url=(environ.get("ORDNING_WEB_RISKS_URL") or (base_url("risks") if embedded else "")).rstrip("/"),
            reporting_url=(environ.get("ORDNING_WEB_REPORTING_URL") or (base_url("reporting") if embedded else "")
                           ).rstrip("/"),
            notify_url=(environ.get("ORDNING_WEB_NOTIFY_URL") or (base_url("notify") if embedded else "")).rstrip("/"),
            secret_key=secret_key,
            oidc_issuer=(environ.get("ORDNING_WEB_OIDC_ISSUER") or "").rstrip("/") or None,
            oidc_client_id=environ.get("ORDNING_WEB_OIDC_CLIENT_ID") or None,
            oidc_client_secret=_secret(environ, "ORDNING_WEB_OIDC_CLIENT_SECRET") or None,
            oidc_scope=environ.get("ORDNING_WEB_OIDC_SCOPE") or cls.oidc_scope,
            api_timeout=api_timeout,
            log_level=environ.get("ORDNING_LOG_LEVEL", "INFO"),
            trusted_proxies=_int(environ, "ORDNING_TRUSTED_PROXIES", 0),
            auth_issuer=environ.get("ORDNING_AUTH_ISSUER") or "ordning-local",
            auth_audience=environ.get("ORDNING_AUTH_AUDIENCE", "ordning"),
            tenants=tenants,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.production:
            required = [("ORDNING_WEB_PROCESSES_URL", self.processes_url),
                        ("ORDNING_WEB_DEVIATIONS_URL", self.deviations_url),
                        ("ORDNING_WEB_RISKS_URL", self.risks_url),
                        ("ORDNING_WEB_SECRET_KEY", self.secret_key),
                        ("ORDNING_WEB_OIDC_ISSUER", self.oidc_issuer),
                        ("ORDNING_WEB_OIDC_CLIENT_ID", self.oidc_client_id)]
            missing = [name for name, value in required if not value]
            if missing:
                raise ConfigError("production needs the services' URLs, a session key and an identity provider; set "
                                  + ", ".join(missing))
        if len(self.secret_key) < SECRET_KEY_MIN:
            raise ConfigError(f"ORDNING_WEB_SECRET_KEY must be at least {SECRET_KEY_MIN} characters")
        if self.oidc_issuer and not self.oidc_client_id:
            raise ConfigError("ORDNING_WEB_OIDC_ISSUER needs ORDNING_WEB_OIDC_CLIENT_ID too")
        if not 0 < self.api_timeout <= 120:
            raise ConfigError("ORDNING_WEB_API_TIMEOUT_SECONDS must be between 0 and 120")
        if not 0 <= self.trusted_proxies <= 10:
            raise ConfigError("ORDNING_TRUSTED_PROXIES must be between 0 and 10")


def kept_secret_key(data_dir: Path) -> str:
    """The embedded stack's session key: made once, kept in <data_dir>/web/secret-key, so a restart keeps
    people signed in. Several processes may start at once: the first key written wins."""
    path = Path(data_dir) / "web" / "secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip()
