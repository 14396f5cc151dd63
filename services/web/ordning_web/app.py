"""create_app() for the web (gunicorn "ordning_web.app:create_app()").

The web owns no database, no migrations and no worker: each page calls the services' APIs with the
signed-in person's token and renders HTML on the server.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, g, jsonify, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from ordning_shared.observability import log_access, setup_logging
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import actions, case, citizen, documents, goals, inbox, organisation, pages, process_map, report
from . import annual_reports, follow_up, patterns, region
from . import notice_rules, notice_settings, notices, webhooks
from . import risk_plan, risk_proposals, roles, signin
from . import risk_matrix, risks  # noqa: F401 - risk_matrix adds its routes to risks.blueprint
from . import case_settings  # Ärendeinställningar and Arbetskalender (issue 14)
from . import classification, code_lists
from . import ivo_steps  # noqa: F401,E402 - adds the IVO steps' routes to case.blueprint
from . import complaint, my_reports  # noqa: F401 - issue 14: routes on case.blueprint and pages.blueprint
from . import casework  # noqa: F401 - adds its routes to case.blueprint and pages.blueprint (issue 14, item 8)
from .client import ApiProblem, ServiceUnavailable, SignInRequired
from .config import WebSettings

log = logging.getLogger(__name__)

# No inline script or style anywhere: every script and style sheet is a file of our own.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
                           "object-src 'none'")

PAGE_MODULES = (report, inbox, actions)  # each adds its routes to pages.blueprint

ERROR_TEXTS = {
    400: ("Begäran kunde inte tas emot", "Något i det som skickades stämde inte. Gå tillbaka och försök igen."),
    403: ("Du har inte behörighet", "Du får inte se eller göra det här med de roller du har."),
    404: ("Sidan finns inte", "Kontrollera adressen, eller gå till startsidan."),
    405: ("Det går inte att göra så här", "Sidan tar inte emot den sortens begäran."),
    413: ("För mycket text", "Det du skickade var för stort. Korta texten och försök igen."),
}


def create_app(settings: WebSettings | None = None) -> Flask:
    settings = settings or WebSettings.from_env()
    setup_logging("web", settings.log_level)
    app = Flask("ordning_web")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="ordning_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=8 * 3600,  # a working day, as the local issuer's tokens
        # The cookie is sent only when the session changes (sign-in, a renewed token), not with every answer: a
        # fragment answered late (the report form's places, fetched when the unit changes) would otherwise put back
        # the session as it was when it was asked for, over a token renewed or a sign-out made meanwhile.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,  # a form left open over lunch still sends
        WTF_CSRF_SSL_STRICT=settings.production,
    )
    app.extensions["ordning_web"] = settings
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies,
                                x_host=settings.trusted_proxies)
    CSRFProtect(app)
    signin.init_app(app, settings)
    app.register_blueprint(signin.blueprint)
    app.register_blueprint(pages.blueprint)  # with the routes of PAGE_MODULES on it
    app.register_blueprint(case.blueprint)
    app.register_blueprint(citizen.blueprint)
    app.register_blueprint(organisation.blueprint)
    app.register_blueprint(risks.blueprint)
    app.register_blueprint(risk_plan.blueprint)
    app.register_blueprint(risk_proposals.blueprint)
    app.register_blueprint(documents.blueprint)  # Styrdokument (proc-docs)
    app.register_blueprint(roles.blueprint)
    app.register_blueprint(process_map.blueprint)
    app.register_blueprint(goals.blueprint)
    app.register_blueprint(classification.blueprint)  # Klassificering: händelsetyp, konsekvens, plats
    app.register_blueprint(case_settings.blueprint)  # /installningar/arenden and /installningar/arbetskalender
    app.register_blueprint(code_lists.blueprint)  # Kodlistor: the deviations service's code lists (issue 14)
    if settings.reporting_url:  # Uppföljning and Årsberättelser, where the installation has reporting
        app.register_blueprint(follow_up.blueprint)
        app.register_blueprint(patterns.blueprint)
        app.register_blueprint(annual_reports.blueprint)
        app.register_blueprint(region.blueprint)

    if settings.notify_url:  # Notiser and the unread count in the menu, where the installation has notify
        app.register_blueprint(notices.blueprint)
        app.register_blueprint(notice_rules.blueprint)
        app.register_blueprint(notice_settings.blueprint)
        app.register_blueprint(webhooks.blueprint)

    @app.before_request
    def _start():
        g.started = time.perf_counter()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # Pages show a person's cases: not kept by the browser or a proxy.
            response.headers.setdefault("Cache-Control", "no-store")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        duration = (time.perf_counter() - g.started) * 1000 if "started" in g else 0.0
        log_access(request.method, route, response.status_code, duration, None)
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_template("error.html", title="Formuläret har gått ut",
                               message="Sidan var för gammal eller skickades inte från Ordning. "
                                       "Ladda om sidan och skicka formuläret igen."), 400

    @app.errorhandler(ServiceUnavailable)
    def _service_down(exc: ServiceUnavailable):
        return render_template("error.html", title="Tjänsten svarar inte", message=exc.message), 503

    @app.errorhandler(SignInRequired)
    def _sign_in_again(exc: SignInRequired):
        # A service refused the token (it ran out between the check and the call, or was revoked). Renewed,
        # the same request is made again: a GET followed, a form sent again by the browser with what it held
        # (307), which is safe since the refusal changed nothing. Else sign in again, keeping a form.
        if not signin.renewed_recently() and signin.renew():
            return redirect(request.full_path.rstrip("?"), 307 if request.method == "POST" else 302)
        subject = (session.get("person") or {}).get("sub")
        session.clear()
        if request.method == "POST":
            return signin.keep_form(subject)
        return redirect(url_for("signin.login", next=request.full_path.rstrip("?")))

    @app.errorhandler(ApiProblem)
    def _api_problem(exc: ApiProblem):
        title = {403: "Du har inte behörighet", 404: "Det finns inte"}.get(exc.status, "Det gick inte")
        return render_template("error.html", title=title, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        title, message = ERROR_TEXTS.get(status, ("Något gick fel", "Försök igen om en stund."))
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The class only: a message may hold what the person wrote.
        log.error("unexpected error: %s", type(exc).__qualname__)
        return render_template("error.html", title="Något gick fel",
                               message="Ett oväntat fel inträffade. Det har loggats; försök igen om en stund."), 500

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service="web")

    @app.get("/readyz")
    def readyz():
        # Ready when configured: the services it calls have probes of their own, and a page that calls
        # one that is down says so itself, so the web stays up to say it.
        return jsonify(status="ok", service="web")

    return app
