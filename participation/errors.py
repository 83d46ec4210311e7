"""Error pages: translated, with a way back. The 500 page shows an incident id
that is also written to the log, so staff can find what went wrong."""
import logging
import math
import time
import uuid

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from participation.extensions import db, limiter

logger = logging.getLogger("participation.errors")

# (title, explanation) per status code; lazy so each request gets its language.
ERROR_TEXTS = {
    400: (_l("Something went wrong with your request"),
          _l("The page could not handle what was sent. If you were filling in a form, go back, reload the page and try again.")),
    403: (_l("You are not allowed to see this page"),
          _l("This page is only for people with a certain role. Sign in with another account, or go back.")),
    404: (_l("Page not found"),
          _l("We cannot find this page. Perhaps the address is wrong, or the page has moved.")),
    405: (_l("This action is not possible here"),
          _l("The page does not accept this kind of request. Go back and try again.")),
    413: (_l("The file is too large"),
          _l("What you sent is larger than we accept. Choose a smaller file and try again.")),
    429: (_l("Too many attempts"),
          _l("You have tried this too often in a short time. Please wait a moment and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("This is not your fault. We have been told about it. Please try again later.")),
    503: (_l("The website is briefly unavailable"),
          _l("We are working on it. Please try again in a few minutes.")),
}


def render_error(status: int, **context):
    title, explanation = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return render_template("errors/error.html", status=status, title=title,
                           explanation=explanation, **context), status


def _too_many_requests():
    """The 429 page says when to try again, in minutes or seconds."""
    current = limiter.current_limit
    seconds = max(1, math.ceil(current.reset_at - time.time())) if current else 60
    body, status = render_error(429, retry_seconds=seconds, retry_minutes=math.ceil(seconds / 60))
    return body, status, {"Retry-After": str(seconds)}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, csrf_failed=True)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 500:
            return internal_error(error)
        if error.code == 429:
            return _too_many_requests()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        db.session.rollback()
        incident = uuid.uuid4().hex[:12]
        original = getattr(error, "original_exception", None) or error
        logger.error("incident=%s unhandled error", incident, exc_info=original)
        return render_error(500, incident=incident)
