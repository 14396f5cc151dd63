"""Sign-in through the municipality's identity provider: OpenID Connect, authorization code with PKCE (S256).

Authlib does the protocol: discovery, state and nonce (kept in the session until the provider answers),
the code verifier, the token request, and the ID token's signature, issuer, audience and nonce. The
access token it returns is what the web sends to the services; they verify it themselves.
"""
from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, redirect, render_template, session, url_for

from .config import WebSettings

log = logging.getLogger(__name__)


def init_app(app, settings: WebSettings) -> None:
    oauth = OAuth(app)
    client_kwargs = {"scope": settings.oidc_scope, "code_challenge_method": "S256", "timeout": settings.api_timeout}
    if not settings.oidc_client_secret:  # a public client: PKCE alone proves it is the one that asked
        client_kwargs["token_endpoint_auth_method"] = "none"
    oauth.register("idp", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
                   client_kwargs=client_kwargs)
    app.extensions["ordning_web_oidc"] = oauth.create_client("idp")


def _idp():
    return current_app.extensions["ordning_web_oidc"]


def begin(next_url: str):
    session["signin_next"] = next_url
    try:  # the first sign-in reads the provider's discovery document: the provider may be down or answer nonsense
        return _idp().authorize_redirect(url_for("signin.callback", _external=True))
    except (requests.RequestException, ValueError, KeyError) as error:
        log.warning("sign-in could not start: the identity provider did not answer (%s)", type(error).__qualname__)
        return unavailable()


def finish():
    """The provider's answer: the code exchanged for tokens, the person signed in, back where they were going."""
    from .signin import safe_next, sign_in, unverified_claims

    next_url = session.get("signin_next")
    try:
        token = _idp().authorize_access_token()
    except (OAuthError, ValueError) as error:
        # The class and the provider's error code only: descriptions may echo what was sent.
        log.warning("sign-in failed: %s %s", type(error).__qualname__, getattr(error, "error", ""))
        return failed()
    access_token = token.get("access_token")
    claims = unverified_claims(access_token) if access_token else {}
    userinfo = token.get("userinfo") or {}
    if not claims.get("sub") or not claims.get("tenant"):
        log.warning("sign-in failed: the access token is not a JWT naming a subject and a tenant")
        return failed()
    claims.setdefault("name", userinfo.get("name"))
    if token.get("expires_at"):
        claims["exp"] = min(int(token["expires_at"]), int(claims.get("exp") or token["expires_at"]))
    sign_in(access_token, claims, id_token=token.get("id_token"), refresh_token=token.get("refresh_token"))
    return redirect(safe_next(next_url))


def refresh(refresh_token: str | None):
    """A new access token from the provider for the refresh token (OAuth 2.0 refresh_token grant):
    (access token, its claims, the new refresh token if the provider rotates them), or None when there is
    no refresh token, the provider refuses it (the person's sign-in there has ended) or does not answer."""
    from .signin import unverified_claims

    if not refresh_token:
        return None
    try:
        token = _idp().fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token)
    except (OAuthError, requests.RequestException, ValueError, KeyError) as error:
        log.info("the token could not be renewed: %s %s", type(error).__qualname__, getattr(error, "error", ""))
        return None
    access_token = token.get("access_token")
    claims = unverified_claims(access_token) if access_token else {}
    if not claims.get("sub"):
        return None
    if token.get("expires_at"):
        claims["exp"] = min(int(token["expires_at"]), int(claims.get("exp") or token["expires_at"]))
    return access_token, claims, token.get("refresh_token")


def failed():
    return render_template("error.html", title="Inloggningen misslyckades",
                           message="Det gick inte att logga in. Försök igen. Om det inte går, kontakta din "
                                   "kommuns IT-support."), 400


def unavailable():
    return render_template("error.html", title="Inloggningen fungerar inte just nu",
                           message="Kommunens inloggningstjänst svarar inte. Försök igen om en stund. Om det inte "
                                   "går, kontakta din kommuns IT-support."), 503


def end(id_token: str | None):
    """RP-initiated logout at the provider when it offers it; else our own signed-out page."""
    idp = _idp()
    try:
        metadata = idp.load_server_metadata()
    except Exception:  # noqa: BLE001 - the provider is down: the person is signed out of Ordning all the same
        metadata = {}
    if metadata.get("end_session_endpoint"):
        return idp.logout_redirect(post_logout_redirect_uri=url_for("signin.signed_out", _external=True),
                                   id_token_hint=id_token)
    return redirect(url_for("signin.signed_out"))
