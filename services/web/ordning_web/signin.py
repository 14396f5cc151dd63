"""Who is signed in: the session holds the person's token and what the pages need to know of them.

Production signs in through the municipality's identity provider (OpenID Connect, authorization code
with PKCE). The embedded default, with no provider configured, has a page listing the demo users
(ordning_shared.demo); choosing one signs in with a token from the local issuer.
"""
from __future__ import annotations

import functools
import time

import jwt
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from ordning_shared import demo
from ordning_shared.auth import LocalIssuer

from .config import WebSettings
from .labels import role_label

blueprint = Blueprint("signin", __name__)


def init_app(app, settings: WebSettings) -> None:
    app.context_processor(lambda: {"person": current_person()})
    if settings.oidc:
        from . import oidc
        oidc.init_app(app, settings)


def settings() -> WebSettings:
    return current_app.extensions["ordning_web"]


class Person:
    """The signed-in person as the pages see them: read from the token's claims for showing and choosing
    what to offer; the services verify the token on every call, so nothing here grants anything."""

    def __init__(self, data: dict):
        self.subject = data.get("sub", "")
        self.name = data.get("name") or ""
        self.tenant = data.get("tenant") or ""
        self.roles = frozenset(data.get("roles") or ())
        self.org_units = tuple(data.get("org_units") or ())

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [role_label(role) for role in sorted(self.roles)]


def current_person() -> Person | None:
    data = session.get("person")
    if not data or not session.get("token"):
        return None
    if session.get("expires_at", 0) <= time.time():
        return None
    return Person(data)


def current_token() -> str | None:
    return session.get("token") if current_person() else None


def sign_in(token: str, claims: dict, id_token: str | None = None) -> None:
    session.clear()  # a fresh session on sign-in: nothing of the one before carries over
    session.permanent = True
    session["token"] = token
    session["expires_at"] = int(claims.get("exp") or time.time() + 3600)
    session["person"] = {key: claims.get(key) for key in ("sub", "name", "tenant", "roles", "org_units")}
    if id_token:
        session["id_token"] = id_token


def unverified_claims(token: str) -> dict:
    """The token's claims for showing who is signed in; the services verify its signature themselves."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}


def signin_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_person() is None:
            return redirect(url_for("signin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None) -> str:
    """Back to where the person was going, on this site only."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.start")


@blueprint.get("/logga-in")
def login():
    if settings().oidc:
        from . import oidc
        return oidc.begin(safe_next(request.args.get("next")))
    if settings().production:
        abort(404)
    users = [{"user": user, "name": name, "roles": [role_label(role) for role in roles]}
             for user, (_tenant, name, roles, _units) in demo.USERS.items()]
    return render_template("signin.html", users=users, next=safe_next(request.args.get("next")))


@blueprint.post("/logga-in")
def login_demo():
    if settings().oidc or settings().production:
        abort(404)
    user = request.form.get("user", "")
    if user not in demo.USERS:
        abort(400)
    claims = demo.claims_for(user)
    token = LocalIssuer(settings().data_dir, settings().auth_issuer, settings().auth_audience).issue(
        claims["subject"], claims["tenant"], claims["roles"], claims["org_units"], claims["name"])
    sign_in(token, unverified_claims(token))
    return redirect(safe_next(request.form.get("next")))


@blueprint.get("/logga-in/klar")
def callback():
    if not settings().oidc:
        abort(404)
    from . import oidc
    return oidc.finish()


@blueprint.post("/logga-ut")
def logout():
    id_token = session.get("id_token")
    session.clear()
    if settings().oidc:
        from . import oidc
        return oidc.end(id_token)
    return redirect(url_for("signin.signed_out"))


@blueprint.get("/utloggad")
def signed_out():
    return render_template("signed_out.html")
