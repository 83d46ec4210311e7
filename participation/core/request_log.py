"""One structured log line per request: method, path, status, duration, user.

The query string is left out on purpose: tokens (verification, reset) travel
in URLs and must never reach the log.
"""
import json
import logging
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("participation.request")


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
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": current_user_id(),
        }))
        return response
