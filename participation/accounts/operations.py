"""Writes about people: registration, verification, sign-in sessions,
passwords and email addresses. They flush, never commit."""
import hashlib
import secrets
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from participation.accounts import tokens
from participation.accounts.models import LoginSession, User
from participation.accounts.passwords import hash_password, verify_password
from participation.accounts.queries import token_hash, user_by_email
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.operations import external_url, queue_email
from participation.site.legal import PRIVACY_VERSION


def normalize_email(email: str) -> str:
    """One spelling per address: NFKC and lower case (addresses compare case-insensitively)."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def register_resident(*, email: str, display_name: str, password: str, language: str,
                      municipality_id: int | None, neighbourhood_id: int | None) -> User:
    user = User(
        email=normalize_email(email),
        display_name=display_name,
        password_hash=hash_password(password),
        language=language,
        municipality_id=municipality_id,
        neighbourhood_id=neighbourhood_id,
        consent_version=PRIVACY_VERSION,
        consented_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    send_verification_email(user)
    return user


def send_verification_email(user: User) -> None:
    token = tokens.make_token("verify-email", user.id, email=user.email)
    queue_email(user.email, _l("Confirm your email address"), "accounts/verify_email", user.language,
                user=user, link=external_url("accounts.verify_email", token=token))


def verify_email(token: str) -> User:
    data = tokens.use_token("verify-email", token)
    user = db.session.get(User, data["uid"])
    if user is None or user.is_deleted or user.email != data.get("email"):
        raise tokens.TokenError("invalid")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(normalize_email(email))
    if user is None or user.is_deleted:
        verify_password(None, password)  # same work, same time, whether or not the address exists
        return None
    return user if verify_password(user.password_hash, password) else None


def start_login_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=token_hash(token)))
    user.login_session_token = token
    return token


def end_login_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(LoginSession).where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_all_login_sessions(user: User, keep_token: str | None = None) -> None:
    """Sign the person out everywhere (but keep the session in `keep_token`)."""
    statement = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_token:
        statement = statement.where(LoginSession.token_hash != token_hash(keep_token))
    db.session.execute(statement.values(revoked_at=utcnow()))


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(user, keep_token=user.login_session_token)


def password_fingerprint(user: User) -> str:
    """Changes whenever the password changes, and reveals nothing about it."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Emails a reset link if the address belongs to someone; says nothing either way."""
    user = user_by_email(normalize_email(email))
    if user is None or user.is_deleted:
        return
    token = tokens.make_token("reset-password", user.id, pw=password_fingerprint(user))
    queue_email(user.email, _l("Choose a new password"), "accounts/reset_password", user.language,
                user=user, link=external_url("accounts.reset_password", token=token))


def check_reset_token(token: str) -> User:
    """The person a reset link belongs to (the link stops working once the password changed)."""
    data = tokens.read_token("reset-password", token)
    user = db.session.get(User, data["uid"])
    if user is None or user.is_deleted or password_fingerprint(user) != data.get("pw"):
        raise tokens.TokenError("used")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = check_reset_token(token)
    tokens.use_token("reset-password", token)
    user.password_hash = hash_password(new_password)
    # Whoever knew the old password is signed out; the link proves the address.
    user.email_verified_at = user.email_verified_at or utcnow()
    end_all_login_sessions(user)
    return user


def request_email_change(user: User, new_email: str) -> None:
    new_email = normalize_email(new_email)
    token = tokens.make_token("change-email", user.id, email=new_email, old=user.email)
    queue_email(new_email, _l("Confirm your new email address"), "accounts/change_email", user.language,
                user=user, link=external_url("accounts.confirm_email_change", token=token))
    queue_email(user.email, _l("Someone asked to change your email address"), "accounts/email_change_requested",
                user.language, user=user, new_email=new_email)


class EmailTaken(Exception):
    pass


def confirm_email_change(token: str) -> User:
    data = tokens.use_token("change-email", token)
    user = db.session.get(User, data["uid"])
    if user is None or user.is_deleted or user.email != data.get("old"):
        raise tokens.TokenError("invalid")
    if user_by_email(data["email"]) is not None:
        raise EmailTaken(data["email"])
    user.email = data["email"]
    user.email_verified_at = utcnow()
    return user


def update_profile(user: User, *, display_name: str, language: str, municipality_id: int | None,
                   neighbourhood_id: int | None, notifications: dict) -> None:
    user.display_name = display_name
    user.language = language
    user.municipality_id = municipality_id
    user.neighbourhood_id = neighbourhood_id
    user.notifications = notifications
