"""Rate limits: per account for participation, shared between app instances through Redis."""
import os
import uuid

import pytest
from flask import Blueprint

from participation.core.rate_limits import per_account
from participation.extensions import limiter
from tests.conftest import required, sign_in


def _app_with_limited_action(make_app, **config):
    app = make_app(**config)
    probe = Blueprint("limit_probe", __name__)

    @probe.post("/probe/act")
    @limiter.limit("3 per minute", key_func=per_account)
    def act():
        return "ok"

    app.register_blueprint(probe)
    return app


def test_participation_limits_count_per_account_not_per_address(make_app, create_user):
    """Sixty people on one workshop Wi-Fi (one address) are never blocked together."""
    app = _app_with_limited_action(make_app)
    for number in range(60):
        client = app.test_client()
        sign_in(client, create_user(email=f"wifi{number}@example.org"))
        assert client.post("/probe/act").status_code == 200


def test_one_account_over_its_limit_gets_429(make_app, resident):
    app = _app_with_limited_action(make_app)
    client = app.test_client()
    sign_in(client, resident)
    statuses = [client.post("/probe/act?lang=fr").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        if required("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but REDIS_URL is not")
        pytest.skip("REDIS_URL is not set: Redis-backed limits not tested")
    return url


def test_limits_in_redis_hold_across_app_instances(make_app, resident, redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    config = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": prefix}
    first = _app_with_limited_action(make_app, **config)
    second = _app_with_limited_action(make_app, **config)
    client_one, client_two = first.test_client(), second.test_client()
    sign_in(client_one, resident)
    sign_in(client_two, resident)
    assert [client_one.post("/probe/act").status_code for _ in range(3)] == [200, 200, 200]
    assert client_two.post("/probe/act").status_code == 429
