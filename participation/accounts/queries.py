"""Reads about people."""
import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation.accounts.models import LoginSession, RecoveryCode, User
from participation.extensions import db


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def user_for_session_token(token: str) -> User | None:
    """The person signed in with this cookie token, if the session is still valid.
    One query per request; the staff scopes load with it."""
    user = db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None),
               User.deleted_at.is_(None))
        .options(selectinload(User.coordinated_neighbourhoods), selectinload(User.moderated_municipalities))
    ).scalar_one_or_none()
    if user is not None:
        user.login_session_token = token
    return user


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0
