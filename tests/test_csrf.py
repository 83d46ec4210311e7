"""Every state-changing request needs a CSRF token: each POST route, read from
the URL map (so routes added later are covered too), refuses a POST without
one with the CSRF error page (400) — for anonymous visitors and signed-in people."""
import re

import pytest

from participation.extensions import db
from tests.conftest import PASSWORD
from tests.routes import fill, rules

POST_RULES = [pytest.param(rule.rule, id=f"{rule.endpoint} {rule.rule}")
              for rule in rules(lambda rule: "POST" in rule.methods)]
CSRF_PAGE_TEXT = "For your safety, forms expire"


@pytest.fixture(scope="module")
def _csrf_app(make_app, _schema):
    app = make_app(WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():
        db.engine.dispose()  # the per-test clean-up only disposes it once


@pytest.fixture
def csrf_app(app, _csrf_app):
    """The app with CSRF protection on (one per module: building an app takes a
    while; the `app` fixture empties the tables after each test)."""
    return _csrf_app


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def resident_client(csrf_app, resident):
    """Signed in as a resident through the real form, token included."""
    client = csrf_app.test_client()
    response = client.post("/signin", data={"email": resident.email, "password": PASSWORD,
                                            "csrf_token": csrf_token(client, "/signin")})
    assert response.status_code == 302, "signing in with a token must work"
    assert client.get("/account").status_code == 200
    return client


def test_every_post_route_is_covered():
    endpoints = {param.id.split()[0] for param in POST_RULES}
    assert {"accounts.sign_in", "accounts.sign_out", "staff.person", "staff.invite"} <= endpoints


@pytest.mark.parametrize("who", ["anonymous", "resident"])
@pytest.mark.parametrize("rule", POST_RULES)
def test_a_post_without_csrf_token_is_refused(request, csrf_app, rule, who):
    client = request.getfixturevalue("resident_client") if who == "resident" else csrf_app.test_client()
    response = client.post(fill(rule) + "?lang=en", data={"email": "someone@example.org", "password": "x" * 12})
    assert response.status_code == 400, response.status_code
    assert CSRF_PAGE_TEXT in response.get_data(as_text=True)


def test_a_wrong_token_is_refused_too(csrf_app, resident_client):
    response = resident_client.post("/signout?lang=en", data={"csrf_token": "forged"})
    assert response.status_code == 400 and CSRF_PAGE_TEXT in response.get_data(as_text=True)
    assert resident_client.get("/account").status_code == 200  # still signed in


def test_a_post_with_the_token_goes_through(csrf_app, resident_client):
    response = resident_client.post("/signout", data={"csrf_token": csrf_token(resident_client, "/account")})
    assert response.status_code == 302
    assert resident_client.get("/account").status_code == 302  # signed out
