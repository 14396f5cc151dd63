"""gunicorn's own answers to a request it cannot read, as problem+json like every answer of the app.

gunicorn refuses a malformed request line or header (400), a request line over `limit_request_line`
(414) and headers over `limit_request_fields` / `limit_request_field_size` (431) before the app sees
the request, and writes those answers as text/html itself. This worker writes them as problem
documents; any other error it leaves to gunicorn.
"""
from __future__ import annotations

from gunicorn import glogging, util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from .problems import PROBLEM_CONTENT_TYPE, BadRequest, HeaderFieldsTooLarge, UriTooLong, problem_json

# The first match decides; a parse error not listed here keeps gunicorn's own answer (403, 417, 501).
UNREADABLE_REQUESTS = (
    (errors.LimitRequestLine, UriTooLong,
     ("Begäranraden är längre än servern tar emot.", "The request line is longer than the server accepts.")),
    (errors.LimitRequestHeaders, HeaderFieldsTooLarge,
     ("Begäran har för många huvuden, eller ett för stort.", "The request has too many headers, or one too large.")),
    ((errors.InvalidRequestLine, errors.InvalidRequestMethod, errors.InvalidHTTPVersion, errors.InvalidHeader,
      errors.InvalidHeaderName, errors.ObsoleteFolding, errors.InvalidChunkSize, errors.ChunkMissingTerminator,
      errors.InvalidChunkExtension, errors.InvalidProxyLine, errors.InvalidSchemeHeaders), BadRequest,
     ("Begäranraden eller ett huvud är felformat.", "The request line or a header is malformed.")),
)


def unreadable_request_answer(exc: Exception) -> bytes | None:
    """The whole HTTP answer to a request gunicorn could not read, or None for gunicorn to answer."""
    if isinstance(exc, (errors.InvalidResponseHeader, errors.InvalidResponseHeaderName)):
        return None  # the app's fault, not the client's: gunicorn answers 500
    for exc_types, problem, detail in UNREADABLE_REQUESTS:
        if isinstance(exc, exc_types):
            # The detail never echoes the request: it may hold anything, personal data included.
            body = problem_json(problem(*detail).document())
            head = (f"HTTP/1.1 {problem.http_status} {problem.title}\r\nConnection: close\r\n"
                    f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n")
            return head.encode("latin-1") + body
    return None


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, answering unreadable requests with problem+json."""

    def handle_error(self, req, client, addr, exc):
        answer = unreadable_request_answer(exc)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        # Not the client's address: a person's, which the platform keeps only as a keyed hash (public.py).
        self.log.warning("unreadable request refused: %s", exc.__class__.__name__)
        try:
            util.write_nonblock(client, answer)
        except Exception:  # the client may be gone already
            self.log.debug("Failed to send error message.")
        return None


class JsonLogger(glogging.Logger):
    """gunicorn's logger without its access log: the app writes one JSON line per request (route template,
    status, duration, trace id, tenant) and gunicorn's line would add the raw path and query."""

    def access(self, resp, req, environ, request_time):
        return None
