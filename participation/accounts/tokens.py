"""Signed, expiring, single-use tokens for emailed links.

The token is signed (cannot be forged or altered) and time-stamped (expires);
its random id is recorded in `used_token` when it is used, so it works once.
"""
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import UsedToken
from participation.extensions import db

LIFETIMES = {
    "verify-email": timedelta(hours=48),
    "change-email": timedelta(hours=48),
    "reset-password": timedelta(hours=1),
    "staff-invitation": timedelta(days=7),
}


class TokenError(Exception):
    """reason: 'invalid', 'expired' or 'used'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"token:{purpose}")


def make_token(purpose: str, user_id: int, **data) -> str:
    assert purpose in LIFETIMES
    return _serializer(purpose).dumps({"uid": user_id, "jti": secrets.token_hex(16), **data})


def read_token(purpose: str, token: str) -> dict:
    """The token's data, without using it up (for showing a confirmation page)."""
    try:
        data = _serializer(purpose).loads(token, max_age=LIFETIMES[purpose].total_seconds())
    except SignatureExpired:
        raise TokenError("expired") from None
    except BadSignature:
        raise TokenError("invalid") from None
    if not isinstance(data, dict) or "uid" not in data or "jti" not in data:
        raise TokenError("invalid")
    if db.session.get(UsedToken, data["jti"]) is not None:
        raise TokenError("used")
    return data


def use_token(purpose: str, token: str) -> dict:
    """Read the token and mark it used, inside the caller's transaction. Of two
    simultaneous uses, one fails on the primary key."""
    data = read_token(purpose, token)
    try:
        with db.session.begin_nested():
            db.session.add(UsedToken(token_id=data["jti"], purpose=purpose))
    except IntegrityError:
        raise TokenError("used") from None
    return data
