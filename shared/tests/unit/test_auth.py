import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest

from ordning_shared.auth import LocalIssuer, Principal, TokenVerifier, Unauthorized, VerifiedTokens
from ordning_shared.config import Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(service="deviations", data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/d.db")


@pytest.fixture
def issuer(settings):
    return LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience)


def claims(**overrides):
    now = int(time.time())
    base = {"iss": "ordning-local", "aud": "ordning", "sub": "anna", "iat": now, "exp": now + 600,
            "tenant": "0180", "roles": ["enhetschef"], "org_units": ["u1"]}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(issuer, payload, **kw):
    return jwt.encode(payload, issuer.private_key(), algorithm="RS256", headers={"kid": LocalIssuer.KID}, **kw)


def test_local_token_verifies_to_principal(settings, issuer):
    token = issuer.issue("anna", "0180", ["enhetschef", "mas"], ["u1", "u2"], name="Anna A")
    principal = TokenVerifier(settings).verify(token)
    assert principal == Principal(subject="anna", tenant="0180", roles=frozenset({"enhetschef", "mas"}),
                                  org_units=("u1", "u2"), name="Anna A")
    assert principal.has_any("mas", "mar")
    assert not principal.has_any("administrator")


def test_the_email_claim_is_kept_when_it_is_an_address_and_left_out_of_the_repr(settings, issuer):
    verifier = TokenVerifier(settings)
    principal = verifier.verify(issuer.issue("anna", "0180", ["medarbetare"], [], email="anna.a@kommun.se"))
    assert principal.email == "anna.a@kommun.se" and "anna.a@" not in repr(principal)
    assert verifier.verify(issuer.issue("anna", "0180", ["medarbetare"], [])).email == ""
    for junk in (["anna@kommun.se"], 42, "ingen adress", "a@b\nBcc: c@d", "a" * 320 + "@kommun.se"):
        assert verifier.verify(sign(issuer, claims(email=junk))).email == "", junk


def test_verify_header(settings, issuer):
    verifier = TokenVerifier(settings)
    token = issuer.issue("anna", "0180", ["medarbetare"], [])
    assert verifier.verify_header(f"Bearer {token}").subject == "anna"
    for header in (None, "", token, f"Basic {token}", "Bearer ", "Bearer"):
        with pytest.raises(Unauthorized):
            verifier.verify_header(header)


def test_unknown_roles_are_dropped(settings, issuer):
    token = issuer.issue("anna", "0180", ["enhetschef", "superuser", "root"], [])
    assert TokenVerifier(settings).verify(token).roles == frozenset({"enhetschef"})


def test_expired_token(settings, issuer):
    token = issuer.issue("anna", "0180", ["enhetschef"], [], ttl=-120)
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token)


@pytest.mark.parametrize("overrides", [
    {"aud": "someone-else"},
    {"iss": "https://evil.example"},
    {"tenant": None},
    {"tenant": ""},
    {"exp": None},
    {"sub": None},
    {"roles": "enhetschef"},
])
def test_bad_claims_are_unauthorized(settings, issuer, overrides):
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(sign(issuer, claims(**overrides)))


def test_well_formed_claims_pass(settings, issuer):
    assert TokenVerifier(settings).verify(sign(issuer, claims())).tenant == "0180"


def test_token_signed_by_another_key(settings, issuer, tmp_path):
    other = LocalIssuer(tmp_path / "other", settings.auth_issuer, settings.auth_audience)
    token = other.issue("anna", "0180", ["administrator"], [])
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token)


def test_alg_none_is_rejected(settings, issuer):
    token = jwt.encode(claims(), None, algorithm="none")
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token)


def test_hmac_with_public_key_is_rejected(settings, issuer):
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(claims()).encode())
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import serialization

    pem = issuer.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = hmac.new(pem, header + b"." + payload, hashlib.sha256).digest()
    token = b".".join([header, payload, jwt.utils.base64url_encode(signature)]).decode()
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_garbage_is_unauthorized(settings, issuer, token):
    with pytest.raises(Unauthorized):
        TokenVerifier(settings).verify(token)


def test_issuer_key_is_reused(settings, issuer):
    token = issuer.issue("anna", "0180", [], [])
    again = LocalIssuer(settings.data_dir)
    assert TokenVerifier(settings).verify(token).subject == "anna"
    assert again.jwks() == issuer.jwks()


def serve_jwks(idp: LocalIssuer, hits: list):
    """An identity provider's JWKS endpoint on localhost; returns the server and its URL."""
    body = json.dumps(idp.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()  # a quick shutdown()
    return server, f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"


@pytest.fixture
def jwks_server(tmp_path):
    idp = LocalIssuer(tmp_path / "idp", issuer="https://idp.example", audience="ordning")
    hits = []
    server, url = serve_jwks(idp, hits)
    yield idp, url, hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def region_providers(tmp_path):
    """Region Västernorrland's provider speaks for the region and Timrå; Sundsvall has its own."""
    region = LocalIssuer(tmp_path / "region", issuer="https://idp.rvn.se", audience="ordning")
    sundsvall = LocalIssuer(tmp_path / "sundsvall", issuer="https://login.sundsvall.se", audience="ordning")
    servers = [serve_jwks(idp, []) for idp in (region, sundsvall)]
    trusted = json.dumps([
        {"issuer": "https://idp.rvn.se", "jwksUrl": servers[0][1], "tenants": ["22", "2262"]},
        {"issuer": "https://login.sundsvall.se", "jwksUrl": servers[1][1], "tenants": ["2281"]},
    ])
    settings = Settings.from_env("deviations", {
        "ORDNING_ENV": "production", "ORDNING_DATA_DIR": str(tmp_path), "ORDNING_DATABASE_URL": "postgresql://db/x",
        "ORDNING_BROKER_URL": "amqp://mq//", "ORDNING_AUTH_TRUSTED_ISSUERS": trusted})
    yield TokenVerifier(settings), region, sundsvall
    for server, _url in servers:
        server.shutdown()
        server.server_close()


def test_each_trusted_issuer_speaks_for_its_own_tenants(region_providers):
    verifier, region, sundsvall = region_providers
    assert verifier.verify(region.issue("ann", "2262", ["enhetschef"], [])).tenant == "2262"
    assert verifier.verify(region.issue("rut", "22", ["kvalitetsutvecklare"], [])).tenant == "22"
    assert verifier.verify(sundsvall.issue("sam", "2281", ["enhetschef"], [])).tenant == "2281"


@pytest.mark.parametrize("issuer_name, tenant", [("sundsvall", "2262"), ("region", "2281"), ("sundsvall", "0138")])
def test_an_issuer_cannot_speak_for_another_tenant(region_providers, issuer_name, tenant):
    verifier, region, sundsvall = region_providers
    idp = {"region": region, "sundsvall": sundsvall}[issuer_name]
    with pytest.raises(Unauthorized, match="does not speak for tenant"):
        verifier.verify(idp.issue("mallory", tenant, ["administrator"], []))


def test_a_token_naming_a_trusted_issuer_but_signed_by_another_is_refused(region_providers, tmp_path):
    verifier, region, _sundsvall = region_providers
    # Sundsvall's key, the region's name: the region's keys are asked, and the signature fails.
    impostor = LocalIssuer(tmp_path / "sundsvall", issuer="https://idp.rvn.se", audience="ordning")
    with pytest.raises(Unauthorized):
        verifier.verify(impostor.issue("mallory", "2262", ["administrator"], []))
    stranger = LocalIssuer(tmp_path / "stranger", issuer="https://idp.example", audience="ordning")
    with pytest.raises(Unauthorized, match="not trusted"):
        verifier.verify(stranger.issue("mallory", "2262", [], []))


def test_jwks_url_verification(tmp_path, jwks_server):
    idp, url, hits = jwks_server
    settings = Settings(service="deviations", env="production", data_dir=tmp_path,
                        database_url="postgresql://db/x", broker_url="amqp://mq//", auth_jwks_url=url,
                        auth_issuer="https://idp.example")
    settings.validate()
    assert not settings.local_issuer
    verifier = TokenVerifier(settings)
    principal = verifier.verify(idp.issue("bo", "1480", ["verksamhetschef"], ["f1"]))
    assert (principal.subject, principal.tenant, principal.roles, principal.org_units) == (
        "bo", "1480", frozenset({"verksamhetschef"}), ("f1",))
    assert hits, "the JWKS URL was never fetched"
    # the local issuer's key is not trusted in production
    local = LocalIssuer(tmp_path, issuer="https://idp.example", audience="ordning")
    with pytest.raises(Unauthorized):
        verifier.verify(local.issue("bo", "1480", ["administrator"], []))
    # same key, but another issuer
    wrong = LocalIssuer(tmp_path / "idp", issuer="ordning-local", audience="ordning")
    with pytest.raises(Unauthorized):
        verifier.verify(wrong.issue("bo", "1480", [], []))


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def counting_verifier(settings, monkeypatch, clock=None):
    """A verifier that counts its full (signature and claims) checks."""
    verifier = TokenVerifier(settings, VerifiedTokens(clock=clock or time.time))
    checks = []
    full_check = verifier._verify_signed

    def counted(token):
        checks.append(token)
        return full_check(token)

    monkeypatch.setattr(verifier, "_verify_signed", counted)
    return verifier, checks


def test_a_verified_token_is_served_from_the_cache(settings, issuer, monkeypatch):
    verifier, checks = counting_verifier(settings, monkeypatch)
    token = issuer.issue("anna", "0180", ["enhetschef"], ["u1"])
    assert verifier.verify(token) == verifier.verify(token) == verifier.verify_header(f"Bearer {token}")
    assert len(checks) == 1
    other = issuer.issue("bo", "0180", ["medarbetare"], [])
    assert verifier.verify(other).subject == "bo"
    assert len(checks) == 2


def test_a_tampered_token_is_never_served_from_the_cache(settings, issuer, monkeypatch):
    verifier, checks = counting_verifier(settings, monkeypatch)
    token = issuer.issue("anna", "0180", ["medarbetare"], ["u1"])
    verifier.verify(token)
    header, payload, signature = token.split(".")
    forged_claims = json.loads(jwt.utils.base64url_decode(payload))
    forged_claims["roles"] = ["administrator"]
    forged = ".".join([header, jwt.utils.base64url_encode(json.dumps(forged_claims).encode()).decode(), signature])
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (forged, flipped, token + " ", token[:-1]):
        with pytest.raises(Unauthorized):
            verifier.verify(bad)
    assert checks[1:] == [forged, flipped, token + " ", token[:-1]]
    assert verifier.verify(token).roles == frozenset({"medarbetare"})


def test_the_cache_respects_exp(settings, issuer, monkeypatch):
    clock = Clock(time.time())
    verifier, checks = counting_verifier(settings, monkeypatch, clock)
    token = sign(issuer, claims(exp=int(clock.now) + 20))
    verifier.verify(token)
    clock.now += 10
    verifier.verify(token)
    assert len(checks) == 1
    clock.now += 11  # past exp: checked in full again (where the leeway decides), not served
    verifier.verify(token)
    assert len(checks) == 2


def test_a_token_accepted_within_the_leeway_is_not_cached(settings, issuer, monkeypatch):
    verifier, checks = counting_verifier(settings, monkeypatch)
    token = sign(issuer, claims(exp=int(time.time()) - 5))  # expired, but within the 30 s leeway
    verifier.verify(token)
    verifier.verify(token)
    assert len(checks) == 2


def test_verified_tokens_live_at_most_ttl_and_are_bounded():
    clock = Clock(1000.0)
    verified = VerifiedTokens(size=2, ttl=60, clock=clock)
    principal = Principal(subject="anna", tenant="0180")
    verified.put("t1", principal, expires_at=5000)
    clock.now += 59
    assert verified.get("t1") is principal
    clock.now += 1
    assert verified.get("t1") is None
    for token in ("t1", "t2", "t3"):
        verified.put(token, principal, expires_at=5000)
    assert verified.get("t1") is None  # the least recently used went first
    assert verified.get("t2") is verified.get("t3") is principal
    verified.put("gone", principal, expires_at=clock.now)
    assert verified.get("gone") is None


@pytest.fixture
def frozen_jwt_clock(monkeypatch):
    """PyJWT's clock stopped half a second into a whole second, so an integer exp sits clear of it."""
    now = float(int(time.time())) + 0.5

    class Frozen(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.fromtimestamp(now, tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", Frozen)
    return int(now)


def test_the_leeway_for_an_expired_token_is_exactly_30_seconds(settings, issuer, frozen_jwt_clock):
    whole_second = frozen_jwt_clock
    verifier = TokenVerifier(settings, verified=VerifiedTokens(size=0))
    assert verifier.verify(sign(issuer, claims(iat=whole_second - 100, exp=whole_second - 29))).subject == "anna"
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(sign(issuer, claims(iat=whole_second - 100, exp=whole_second - 30)))


def test_every_role_of_the_platform_survives_the_token(settings, issuer):
    roles = ["medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare", "processledare",
             "kvalitetsutvecklare", "mas", "mar", "namnd", "administrator", "region_host"]
    token = issuer.issue("anna", "0180", roles + ["superuser", "MAS"], ["u1"])
    assert TokenVerifier(settings).verify(token).roles == frozenset(roles)


class EcProvider:
    """An identity provider that signs with an EC P-256 key (ES256), as some OIDC providers do."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "ec-1", "use": "sig", "alg": "ES256"})
        return {"keys": [jwk]}


def test_es256_and_ps256_tokens_verify_as_rs256_do(tmp_path, settings, issuer):
    provider = EcProvider()
    server, url = serve_jwks(provider, [])
    try:
        production = Settings(service="deviations", env="production", data_dir=tmp_path,
                              database_url="postgresql://db/x", broker_url="amqp://mq//", auth_jwks_url=url,
                              auth_issuer="https://idp.example")
        payload = claims(iss="https://idp.example")
        es256 = jwt.encode(payload, provider.key, algorithm="ES256", headers={"kid": "ec-1"})
        assert TokenVerifier(production).verify(es256).subject == "anna"
    finally:
        server.shutdown()
        server.server_close()
    ps256 = jwt.encode(claims(), issuer.private_key(), algorithm="PS256", headers={"kid": LocalIssuer.KID})
    assert TokenVerifier(settings).verify(ps256).subject == "anna"


def test_a_principal_has_no_roles_units_or_name_unless_given():
    principal = Principal(subject="anna", tenant="0180")
    assert (principal.roles, principal.org_units, principal.name) == (frozenset(), (), "")
    assert not principal.has_any("medarbetare")
    with pytest.raises(AttributeError):
        principal.tenant = "0181"  # frozen: a principal never changes under a request


def test_the_local_issuer_by_default_issues_what_the_embedded_settings_trust(settings, tmp_path):
    local = LocalIssuer(tmp_path / "not" / "yet" / "made")  # as the embedded stack and the bench create it
    token = local.issue("anna", "0180", ["medarbetare"], ["u1"])
    assert jwt.get_unverified_header(token)["kid"] == "ordning-local-1"
    assert local.key_path == tmp_path / "not" / "yet" / "made" / "issuer" / "signing-key.pem"
    assert local.private_key().key_size == 2048 and local.public_key().public_numbers().e == 65537
    moved = Settings(service="deviations", data_dir=tmp_path / "not" / "yet" / "made",
                     database_url=f"sqlite:///{tmp_path}/d.db")
    assert TokenVerifier(moved).verify(token).subject == "anna"


@pytest.mark.parametrize("overrides,reason", [
    ({"tenant": None}, "The token names no tenant."),
    ({"tenant": 180}, "The token names no tenant."),
    ({"org_units": "u1"}, "The roles and org_units of the token must be lists."),
])
def test_a_malformed_claim_is_named(settings, issuer, overrides, reason):
    with pytest.raises(Unauthorized) as err:
        TokenVerifier(settings).verify(sign(issuer, claims(**overrides)))
    assert err.value.en == reason


@pytest.mark.parametrize("header,reason", [
    (None, "The bearer token is missing; send Authorization: Bearer <token>."),
    ("", "The bearer token is missing; send Authorization: Bearer <token>."),
    ("Basic abc", "The Authorization header must be 'Bearer <token>'."),
    ("Bearer  ", "The Authorization header must be 'Bearer <token>'."),
    ("Bearer a.b.c", "The token is not valid ("),
])
def test_a_refused_header_says_why(settings, header, reason):
    with pytest.raises(Unauthorized) as err:
        TokenVerifier(settings).verify_header(header)
    assert err.value.en.startswith(reason) and (reason.endswith("(") or err.value.en == reason)


def test_a_refused_issuer_or_tenant_says_why(region_providers):
    verifier, region, sundsvall = region_providers
    stranger = LocalIssuer(region.folder.parent / "stranger", issuer="https://evil.example", audience="ordning")
    with pytest.raises(Unauthorized) as err:
        verifier.verify(stranger.issue("bo", "2262", [], []))
    assert err.value.en == "The token's issuer is not trusted here."
    with pytest.raises(Unauthorized) as err:
        verifier.verify(sundsvall.issue("bo", "2262", [], []))
    assert err.value.en == "The issuer https://login.sundsvall.se does not speak for tenant 2262."


def test_the_local_jwks_names_its_key_and_use():
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (key,) = LocalIssuer(folder).jwks()["keys"]
    assert (key["kid"], key["use"], key["alg"], key["kty"]) == ("ordning-local-1", "sig", "RS256", "RSA")


def test_a_verified_token_is_remembered_a_minute_at_most_by_default():
    clock = Clock(1000.0)
    verified = VerifiedTokens(clock=clock)
    principal = Principal(subject="anna", tenant="0180")
    verified.put("t", principal, expires_at=5000)
    clock.now = 1059.9
    assert verified.get("t") is principal
    clock.now = 1060.0
    assert verified.get("t") is None
    for n in range(4097):
        verified.put(f"t{n}", principal, expires_at=5000)
    assert verified.get("t0") is None and verified.get("t1") is principal  # 4096 remembered


def test_a_token_without_a_name_gives_an_empty_name(settings, issuer):
    principal = TokenVerifier(settings).verify(sign(issuer, claims(name=None)))
    assert principal.name == "" and principal.org_units == ("u1",)


def test_the_signing_key_is_readable_by_its_owner_only_and_tokens_last_a_working_day(issuer):
    token = issuer.issue("anna", "0180", [], [])
    assert issuer.key_path.stat().st_mode & 0o777 == 0o600
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] == 8 * 3600 and payload["name"] == ""
