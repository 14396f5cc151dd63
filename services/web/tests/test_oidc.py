"""Sign-in through an identity provider: the authorization code flow with PKCE against a small provider of
our own, served over real HTTP (discovery, JWKS, authorize, token, end session)."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify, redirect, request

from ordning_web.app import create_app
from ordning_web.config import WebSettings

from .conftest import Served

CLIENT_ID, CLIENT_SECRET = "ordning-web", "s3cret-of-the-client"
ERIK_UNIT = "27460a56-bb16-57e0-90af-507fac38efb8"


class Provider:
    """The municipality's identity provider, as little as the flow needs; it records what it was sent."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict] = {}
        self.refresh_tokens: set[str] = set()  # those still good; each is used once (rotated)
        self.token_requests: list[dict] = []
        self.app = Flask("fake_idp")
        self.served = Served(self.app)
        self.issuer = self.served.url
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                           token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                           end_session_endpoint=f"{self.issuer}/logout", response_types_supported=["code"],
                           subject_types_supported=["public"], id_token_signing_alg_values_supported=["RS256"],
                           code_challenge_methods_supported=["S256"])

        @app.get("/jwks")
        def jwks():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            jwk.update(kid="idp-1", use="sig", alg="RS256")
            return jsonify(keys=[jwk])

        @app.get("/authorize")
        def authorize():
            args = request.args
            if (args.get("response_type") != "code" or args.get("client_id") != CLIENT_ID
                    or args.get("code_challenge_method") != "S256" or not args.get("code_challenge")):
                abort(400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = dict(args)
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args['state']})}")

        @app.post("/token")
        def token():
            form = request.form
            self.token_requests.append(dict(form))
            if request.authorization is None or (
                    request.authorization.username, request.authorization.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify(error="invalid_client"), 401
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return jsonify(error="invalid_grant"), 400
                self.refresh_tokens.discard(form["refresh_token"])
                return jsonify(access_token=self.access_token(), refresh_token=self.new_refresh_token(),
                               token_type="Bearer", expires_in=600)
            asked = self.codes.pop(form.get("code", ""), None)
            if asked is None:
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != asked["code_challenge"] or form.get("redirect_uri") != asked["redirect_uri"]:
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            identity = self.sign({"iss": self.issuer, "aud": CLIENT_ID, "sub": "idp-erik", "iat": now,
                                  "exp": now + 600, "nonce": asked.get("nonce"), "name": "Erik Eriksson"})
            return jsonify(access_token=self.access_token(), id_token=identity, refresh_token=self.new_refresh_token(),
                           token_type="Bearer", expires_in=600)

        @app.get("/logout")
        def logout():
            return "utloggad hos leverantören"

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "idp-1"})

    def access_token(self) -> str:
        now = int(time.time())
        return self.sign({"iss": self.issuer, "aud": "ordning", "sub": "idp-erik", "iat": now, "exp": now + 600,
                          "jti": secrets.token_hex(8),
                          "tenant": "0138", "roles": ["enhetschef"], "org_units": [ERIK_UNIT]})

    def new_refresh_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.refresh_tokens.add(token)
        return token


@pytest.fixture(scope="module")
def provider():
    provider = Provider()
    yield provider
    provider.served.stop()


@pytest.fixture
def web(provider, tmp_path):
    settings = WebSettings.from_env({
        "ORDNING_ENV": "production", "ORDNING_DATA_DIR": str(tmp_path), "ORDNING_WEB_SECRET_KEY": "x" * 40,
        "ORDNING_WEB_PROCESSES_URL": "http://127.0.0.1:9", "ORDNING_WEB_DEVIATIONS_URL": "http://127.0.0.1:9",
        "ORDNING_WEB_RISKS_URL": "http://127.0.0.1:9",
        "ORDNING_WEB_OIDC_ISSUER": provider.issuer, "ORDNING_WEB_OIDC_CLIENT_ID": CLIENT_ID,
        "ORDNING_WEB_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    return create_app(settings).test_client()


def to_provider_and_back(web, provider, path="/logga-in?next=/inkorg"):
    """The browser's part: our redirect to the provider, the provider's back to us."""
    start = web.get(path)
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(provider.issuer + "/authorize?")
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    url = urlsplit(back.headers["Location"])
    return location, f"{url.path}?{url.query}"


def test_the_code_flow_with_pkce_signs_the_person_in_with_the_providers_access_token(web, provider):
    location, callback = to_provider_and_back(web, provider)
    asked = parse_qs(urlsplit(location).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["scope"] == ["openid profile"]
    assert "nonce" in asked and "state" in asked
    answer = web.get(callback)
    assert answer.status_code == 302 and answer.headers["Location"] == "/inkorg"
    assert provider.token_requests[-1]["code_verifier"]  # PKCE: the verifier went with the code
    with web.session_transaction() as session:
        assert jwt.decode(session["token"], options={"verify_signature": False})["sub"] == "idp-erik"
        assert session["person"]["name"] == "Erik Eriksson"  # from the ID token
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert web.get("/").headers["Location"] == "/inkorg"  # a chef by the access token's roles


def test_an_answer_with_a_state_we_did_not_send_is_refused(web, provider):
    _, callback = to_provider_and_back(web, provider)
    forged = callback.replace("state=", "state=x")
    page = web.get(forged)
    assert page.status_code == 400 and "Inloggningen misslyckades" in page.text
    with web.session_transaction() as session:
        assert "token" not in session


def test_the_providers_answer_to_one_browser_signs_no_other_browser_in(web, provider):
    _, callback = to_provider_and_back(web, provider)
    other = web.application.test_client()
    to_provider_and_back(other, provider)
    assert other.get(callback).status_code == 400  # the state is kept in the session of the browser that asked
    assert web.get(callback).status_code == 302


def test_logout_ends_the_session_here_and_at_the_provider(web, provider):
    _, callback = to_provider_and_back(web, provider)
    web.get(callback)
    csrf = web.get("/utloggad").text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = web.post("/logga-ut", data={"csrf_token": csrf})
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(provider.issuer + "/logout?")
    ended = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert ended["id_token_hint"] and ended["post_logout_redirect_uri"] == ["http://localhost/utloggad"]
    with web.session_transaction() as session:
        assert "token" not in session
    assert web.get("/inkorg").headers["Location"].startswith("/logga-in")


def test_production_has_no_demo_sign_in(web, provider):
    _, callback = to_provider_and_back(web, provider)
    web.get(callback)
    csrf = web.get("/utloggad").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert web.post("/logga-in", data={"user": "anna", "csrf_token": csrf}).status_code == 404
    with web.session_transaction() as session:
        assert session["person"]["sub"] == "idp-erik"  # still Erik: no demo user took his place


def test_a_provider_that_does_not_answer_gives_a_page_that_says_so(tmp_path):
    settings = WebSettings.from_env({
        "ORDNING_ENV": "production", "ORDNING_DATA_DIR": str(tmp_path), "ORDNING_WEB_SECRET_KEY": "x" * 40,
        "ORDNING_WEB_PROCESSES_URL": "http://127.0.0.1:9", "ORDNING_WEB_DEVIATIONS_URL": "http://127.0.0.1:9",
        "ORDNING_WEB_RISKS_URL": "http://127.0.0.1:9",
        "ORDNING_WEB_OIDC_ISSUER": "http://127.0.0.1:9", "ORDNING_WEB_OIDC_CLIENT_ID": CLIENT_ID})
    answer = create_app(settings).test_client().get("/logga-in?next=/inkorg")
    assert answer.status_code == 503
    assert "Kommunens inloggningstjänst svarar inte" in answer.text and "Traceback" not in answer.text


def signed_in(web, provider):
    _, callback = to_provider_and_back(web, provider)
    assert web.get(callback).status_code == 302


def run_out(web) -> str:
    """The access token's end reached (as after ten minutes at the provider): the session's old token."""
    with web.session_transaction() as session:
        session["expires_at"] = int(time.time()) - 1
        return session["token"]


def test_a_token_that_ran_out_is_renewed_with_the_refresh_token_without_asking_the_person(web, provider):
    signed_in(web, provider)
    with web.session_transaction() as session:
        first_refresh = session["refresh_token"]
    old = run_out(web)
    answer = web.get("/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/inkorg"  # still signed in, as a chef
    asked = provider.token_requests[-1]
    assert asked["grant_type"] == "refresh_token" and asked["refresh_token"] == first_refresh
    with web.session_transaction() as session:
        assert session["token"] != old and session["expires_at"] > time.time() + 500
        assert session["refresh_token"] != first_refresh  # the provider rotated it; the new one is kept
        assert session["person"]["name"] == "Erik Eriksson"  # kept from sign-in: the access token has no name


def test_a_refresh_token_the_provider_refuses_means_signing_in_again_with_a_form_kept(web, provider):
    signed_in(web, provider)
    csrf = web.get("/utloggad").text.split('name="csrf_token" value="')[1].split('"')[0]  # a form's, shown before
    with web.session_transaction() as session:
        provider.refresh_tokens.discard(session["refresh_token"])  # the person's sign-in there has ended
    run_out(web)
    assert web.get("/inkorg").headers["Location"].startswith("/logga-in")
    page = web.post("/rapportera", data={"csrf_token": csrf, "description": "Dörren var olåst hela natten."})
    assert page.status_code == 401 and "Du behöver logga in igen" in page.text
    assert 'data-person="idp-erik"' in page.text and "Dörren var olåst hela natten." in page.text
