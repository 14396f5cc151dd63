"""Who is signed in: the session holds the person's token and what the pages need to know of them.

Production signs in through the municipality's identity provider (OpenID Connect, authorization code
with PKCE). The embedded default, with no provider configured, has a page listing the demo users
(ordning_shared.demo); choosing one signs in with a token from the local issuer.

An access token runs out long before a working day does. Before a page uses one that has run out (or is
about to), it is renewed without asking the person: with the provider's refresh token in production, by the
local issuer in the embedded default, so a form sent at that moment goes through. When it cannot be renewed
(the provider's sign-in has ended too), a form being sent is kept: see keep_form.
"""
from __future__ import annotations

import functools
import logging
import time
from urllib.parse import urlsplit

import jwt
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from ordning_shared import demo
from ordning_shared.auth import LocalIssuer

from .config import WebSettings
from .labels import role_label

log = logging.getLogger(__name__)
blueprint = Blueprint("signin", __name__)

RENEW_MARGIN = 30  # seconds: a token this close to its end is renewed first, so that it does not end mid-page
# How long the embedded issuer renews a demo sign-in, as a provider's refresh token lives as long as the
# person's sign-in there: a working day, as the session.
DEMO_RENEWAL_SECONDS = 8 * 3600
# A token renewed this recently and still refused by a service is not renewed again: sign in instead.
RENEWED_RECENTLY = 10


def init_app(app, settings: WebSettings) -> None:
    app.context_processor(lambda: {"person": current_person()})
    app.before_request(keep_signed_in)
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


PERSON_CLAIMS = ("sub", "name", "tenant", "roles", "org_units")


def sign_in(token: str, claims: dict, id_token: str | None = None, refresh_token: str | None = None) -> None:
    session.clear()  # a fresh session on sign-in: nothing of the one before carries over
    session.permanent = True
    session["token"] = token
    session["expires_at"] = int(claims.get("exp") or time.time() + 3600)
    session["signed_in_at"] = int(time.time())
    session["person"] = {key: claims.get(key) for key in PERSON_CLAIMS}
    if id_token:
        session["id_token"] = id_token
    if refresh_token:
        session["refresh_token"] = refresh_token


def keep_signed_in() -> None:
    """before_request: a token that has run out, or is about to, is renewed before the page uses it. Not for a
    page's style sheets and scripts, which need none: fetched beside the page, they would renew it at the same
    time, and a provider that rotates refresh tokens accepts only the first."""
    if request.endpoint == "static":
        return
    if session.get("token") and session.get("expires_at", 0) - RENEW_MARGIN <= time.time():
        renew()


def renew() -> bool:
    """A new access token for the person signed in, without asking them; False if there is none to be had.

    The new token must name the same person in the same municipality; their roles and units are taken from
    it, since they may have changed since sign-in."""
    person = session.get("person") or {}
    if not person.get("sub") or not session.get("token"):
        return False
    if settings().oidc:
        from . import oidc
        renewed = oidc.refresh(session.get("refresh_token"))
    elif not settings().production:
        renewed = _demo_token(person)
    else:
        renewed = None
    if renewed is None:
        return False
    token, claims, refresh_token = renewed
    if (claims.get("sub"), claims.get("tenant")) != (person.get("sub"), person.get("tenant")):
        log.warning("a renewed token named another person or municipality; not used")
        return False
    session["token"] = token
    session["expires_at"] = int(claims.get("exp") or time.time() + 300)
    session["renewed_at"] = int(time.time())
    session["person"] = {key: claims.get(key) or person.get(key) for key in PERSON_CLAIMS}
    if refresh_token:
        session["refresh_token"] = refresh_token  # a provider that rotates them sends a new one each time
    return True


def renewed_recently() -> bool:
    return session.get("renewed_at", 0) + RENEWED_RECENTLY > time.time()


def _demo_token(person: dict):
    """The embedded default's renewal: the local issuer issues the demo user a new token, within the day."""
    user = (person.get("sub") or "").removeprefix("demo-")
    if user not in demo.USERS or session.get("signed_in_at", 0) + DEMO_RENEWAL_SECONDS <= time.time():
        return None
    token = demo.demo_token(LocalIssuer(settings().data_dir, settings().auth_issuer, settings().auth_audience), user)
    return token, unverified_claims(token), None


def came_from() -> str:
    """The page a form was sent from (the Referer, on this site only), else the path it was sent to."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return safe_next(request.path)


def keep_form(subject: str | None):
    """The answer to a form sent when the person could not be kept signed in: nothing was sent on, and the
    form is kept. The page holds what they wrote: a small script (static/utkast.js) puts it in the tab's
    sessionStorage, and after signing in, back on the page, fills the same form again for the same person;
    without the script they see their text to copy. Never in a cookie: a text of 10,000 characters does
    not fit in one, and never on the server, which keeps nothing of its own."""
    fields = [(name, value) for name, values in request.form.lists() if name != "csrf_token" for value in values]
    texts = [value for name, value in fields if len(value) > 40 or "\n" in value]
    return render_template("signin_again.html", fields=fields, texts=texts, action=request.path,
                           subject=subject or "", next=came_from()), 401


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
            if request.method == "POST":
                return keep_form((session.get("person") or {}).get("sub"))
            return redirect(url_for("signin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def roles_required(*roles: str):
    """A page for the holders of one of `roles` only: signed in first, then 403 for anyone else. The services
    check the roles themselves on every call; this spares the others a page of buttons they may not use."""
    def decorate(view):
        @signin_required
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_person().has_any(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


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
    token = demo.demo_token(LocalIssuer(settings().data_dir, settings().auth_issuer, settings().auth_audience), user)
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
