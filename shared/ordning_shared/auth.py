"""Bearer tokens: who is calling, for which tenant, in which roles and org units.

Production verifies OIDC tokens against the identity provider's JWKS URL.
The embedded default has a local issuer (a key pair in the data folder) with
demo users; it does not exist in production (see config.Settings.validate).
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .config import Settings

ROLES = frozenset({
    "medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare",
    "processledare", "kvalitetsutvecklare", "mas", "mar", "namnd", "administrator", "region_host",
    "dataskyddsombud",  # the data protection officer: reads the read log, not the cases
})
ALGORITHMS = ["RS256", "ES256", "PS256"]


class Unauthorized(Exception):
    """No valid token: 401; raised with a Swedish sentence and the English one, as a Problem is."""

    def __init__(self, sv: str, en: str):
        super().__init__(sv, en)
        self.sv, self.en = sv, en

    def __str__(self) -> str:
        return f"{self.sv} {self.en}"


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant: str
    roles: frozenset = field(default_factory=frozenset)
    org_units: tuple = ()
    name: str = ""
    # The identity provider's e-mail claim, as it gave it (empty without one): personal data, so left out of
    # the repr that a log line or an error might show. The notify service offers it as the address for mail.
    email: str = field(default="", repr=False)

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @classmethod
    def from_claims(cls, claims: dict) -> "Principal":
        tenant = claims.get("tenant")
        if not isinstance(tenant, str) or not tenant:
            raise Unauthorized("Token anger ingen kommun.", "The token names no tenant.")
        roles = claims.get("roles") or []
        units = claims.get("org_units") or []
        if not isinstance(roles, list) or not isinstance(units, list):
            raise Unauthorized("Roller och enheter i token måste vara listor.", "The roles and org_units of the token "
                               "must be lists.")
        return cls(subject=str(claims["sub"]), tenant=tenant,
                   roles=frozenset(r for r in roles if r in ROLES),
                   org_units=tuple(str(u) for u in units), name=str(claims.get("name", "")),
                   email=_email_claim(claims.get("email")))


EMAIL_CLAIM_MAX = 320  # RFC 5321's longest address


def _email_claim(value) -> str:
    """The token's e-mail claim when it is a plausible address at all; anything else counts as none."""
    if isinstance(value, str) and 3 <= len(value) <= EMAIL_CLAIM_MAX and "@" in value and value.isprintable():
        return value.strip()
    return ""


class LocalIssuer:
    """The embedded stack's token issuer: an RSA key in <data_dir>/issuer."""

    KID = "ordning-local-1"

    def __init__(self, data_dir: Path, issuer: str = "ordning-local", audience: str = "ordning"):
        self.folder = Path(data_dir) / "issuer"
        self.issuer = issuer
        self.audience = audience
        self._private = None

    @property
    def key_path(self) -> Path:
        return self.folder / "signing-key.pem"

    def private_key(self):
        if self._private is None:
            if not self.key_path.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
                tmp = self.key_path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(pem)
                os.chmod(tmp, 0o600)
                try:  # several processes may start at once: the first key written wins
                    os.link(tmp, self.key_path)
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink()
            self._private = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        return self._private

    def public_key(self):
        return self.private_key().public_key()

    def issue(self, subject: str, tenant: str, roles, org_units, name: str = "", ttl: int = 8 * 3600,
              email: str = "") -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now, "exp": now + ttl,
                  "tenant": tenant, "roles": list(roles), "org_units": list(org_units), "name": name}
        if email:
            claims["email"] = email
        return jwt.encode(claims, self.private_key(), algorithm="RS256", headers={"kid": self.KID})

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key()))
        jwk.update({"kid": self.KID, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}


class VerifiedTokens:
    """Tokens already verified, by their exact text, each until its exp or `ttl` seconds, whichever is first.

    A client sends the same bearer token with every request, and an RS256 check costs more than
    the rest of a small request's work. Only a byte-identical token is served from here; anything
    else, a tampered one included, is verified in full. Bounded: the least recently used goes first.
    """

    def __init__(self, size: int = 4096, ttl: float = 60.0, clock=time.time):
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            until, principal = entry
            if self.clock() >= until:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return principal

    def put(self, token: str, principal: Principal, expires_at) -> None:
        now = self.clock()
        until = min(float(expires_at), now + self.ttl)
        if until <= now:  # accepted within the leeway only: verify it again next time
            return
        with self._lock:
            self._entries[token] = (until, principal)
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


class TokenVerifier:
    def __init__(self, settings: Settings, verified: VerifiedTokens | None = None):
        self.settings = settings
        self._local = None
        self._verified = verified if verified is not None else VerifiedTokens()
        # Each trusted issuer's keys, and the tenants it may speak for (None: any).
        self._providers = {
            trusted.issuer: (jwt.PyJWKClient(trusted.jwks_url, cache_keys=True, lifespan=600), trusted.tenants)
            for trusted in settings.trusted_issuers}
        if not self._providers:
            if not settings.local_issuer:
                raise RuntimeError("no identity provider configured")  # Settings.validate stops this earlier
            self._local = LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience)

    def verify(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            principal, expires_at = self._verify_signed(token)
            self._verified.put(token, principal, expires_at)
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, float]:
        tenants = None
        try:
            if self._providers:
                # Which provider to ask is read from the token; its signature is checked against that one only.
                issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
                if not isinstance(issuer, str) or issuer not in self._providers:
                    raise Unauthorized("Token kommer från en utfärdare som inte godtas här.",
                                       "The token's issuer is not trusted here.")
                keys, tenants = self._providers[issuer]
                key = keys.get_signing_key_from_jwt(token).key
            else:
                issuer, key = self.settings.auth_issuer, self._local.public_key()
            claims = jwt.decode(token, key, algorithms=ALGORITHMS, audience=self.settings.auth_audience,
                                issuer=issuer, leeway=30, options={"require": ["exp", "sub", "iss", "aud"]})
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized("Token är ogiltig.", f"The token is not valid ({exc}).") from None
        principal = Principal.from_claims(claims)
        if tenants is not None and principal.tenant not in tenants:
            raise Unauthorized(f"Utfärdaren {issuer} får inte utfärda token för kommunen {principal.tenant}.",
                               f"The issuer {issuer} does not speak for tenant {principal.tenant}.")
        return principal, claims["exp"]

    def verify_header(self, header: str | None) -> Principal:
        if not header:
            raise Unauthorized("Token saknas; skicka Authorization: Bearer <token>.",
                               "The bearer token is missing; send Authorization: Bearer <token>.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization-huvudet ska vara 'Bearer <token>'.",
                               "The Authorization header must be 'Bearer <token>'.")
        return self.verify(token.strip())
