"""One structured log line per request: method, path, status, duration, user.

The query string is left out on purpose, and so is every secret part of the
path: tokens (verification, reset, invitation) travel in URLs and must never
reach the log.
"""
import json
import logging
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("participation.request")


# URL variables that carry secrets (the token of an emailed link): logged as "<name>".
SECRET_URL_VARIABLES = frozenset({"token"})


def loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_URL_VARIABLES and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def current_user_id() -> int | None:
    """Id of the signed-in person, if accounts are enabled and someone is signed in."""
    user = g.get("_login_user")
    return getattr(user, "id", None) if user is not None and getattr(user, "is_authenticated", False) else None


def init_app(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logger.setLevel(logging.INFO)

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        logger.info(json.dumps({
            "method": request.method,
            "path": loggable_path(),
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": current_user_id(),
        }))
        return response
