"""Site-wide behaviour: error pages, security headers, request log, health check."""
import json
import logging

import pytest
from flask import Blueprint

from participation import create_app
from participation.core.secrets import MissingSecretKey


def _app_with_test_routes(make_app, **overrides):
    """An app with a route that fails and a form route, registered before first use."""
    app = make_app(**overrides)
    extra = Blueprint("test_only", __name__)

    @extra.get("/test/boom")
    def boom():
        raise RuntimeError("secret=hunter2 went wrong")

    @extra.post("/test/form")
    def form():
        return "ok"

    app.register_blueprint(extra)
    return app


def test_security_headers_are_on_every_page(client):
    response = client.get("/about")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_is_httponly_and_lax(client):
    response = client.get("/?lang=de")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_sends_hsts_and_secure_cookies(make_app):
    app = make_app(APP_ENV="production", SECRET_KEY="x" * 32)
    response = app.test_client().get("/?lang=de")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]


def test_production_refuses_to_start_without_a_secret_key(make_app):
    with pytest.raises(MissingSecretKey):
        make_app(APP_ENV="production", SECRET_KEY=None)


def test_development_generates_a_secret_key_once(tmp_path, database_url):
    config = {"APP_ENV": "development", "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path),
              "SQLALCHEMY_DATABASE_URI": database_url}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("path", ["/.git/config", "/.env", "/.git/HEAD", "/static/../.env", "/wp-login.php"])
def test_probes_for_secrets_are_404(client, path):
    assert client.get(path).status_code == 404


def test_not_found_page_is_translated_with_a_way_back(client):
    response = client.get("/no-such-page?lang=de")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in html
    assert 'href="/"' in html


def test_missing_csrf_token_gives_the_400_page(make_app):
    app = _app_with_test_routes(make_app, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/test/form?lang=en", data={"name": "x"})
    assert response.status_code == 400
    assert "forms expire" in response.get_data(as_text=True)


def test_unexpected_error_shows_an_incident_id_that_is_logged(make_app, caplog):
    app = _app_with_test_routes(make_app)
    with caplog.at_level(logging.ERROR, logger="participation.errors"):
        response = app.test_client().get("/test/boom?lang=en")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    incident = html.split('class="incident-id">')[1].split("<")[0]
    assert len(incident) == 12
    assert any(incident in record.getMessage() for record in caplog.records)
    assert "hunter2" not in html


def test_each_request_is_logged_as_one_line_without_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="participation.request"):
        client.get("/about?token=very-secret-token&lang=en")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "participation.request"]
    assert lines == [{"method": "GET", "path": "/about", "status": 200, "duration_ms": lines[0]["duration_ms"],
                      "user_id": None}]
    assert "very-secret-token" not in caplog.text


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(make_app, tmp_path):
    unreachable = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_static_files_are_served(client):
    with client.get("/static/css/main.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
