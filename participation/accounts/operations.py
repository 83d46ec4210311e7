"""Writes about people: registration, verification, sign-in sessions,
passwords, email addresses and two-factor sign-in. They flush, never commit."""
import hashlib
import hmac
import logging
import secrets
import time
import unicodedata

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, update

from participation.accounts import tokens
from participation.accounts.models import LoginSession, RecoveryCode, User
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


# --- two-factor sign-in (TOTP) -------------------------------------------------
# Secrets and codes are never logged: log lines name the person's id only.

TOTP_ISSUER = "Meedoen Zuid-Limburg"  # the name authenticator apps show (a name, not translated)
TOTP_INTERVAL = 30  # seconds per time step (RFC 6238; what every app uses)
TOTP_VALID_WINDOW = 1  # also accept the code just before and just after (clock drift, slow typing)
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
# No 0/O, 1/I/L: easy to read back from paper. 31 symbols ** 10 ≈ 2**49.
RECOVERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

logger = logging.getLogger("participation.accounts")


class CodeProblem(Exception):
    """reason: 'wrong' (not a valid code now) or 'used' (valid, but already used once)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_totp_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 random bits


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code or a tap on a phone)."""
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def current_time_step() -> int:
    return int(time.time()) // TOTP_INTERVAL


def matching_time_step(secret: str, code: str) -> int | None:
    """The time step whose code this is, within TOTP_VALID_WINDOW steps of now
    (what pyotp's verify(valid_window=1) accepts, but telling which step)."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    now = current_time_step()
    for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp_code(user: User, code: str) -> None:
    """Accept a code from the person's app once: raises CodeProblem otherwise.

    The accepted step is recorded with a conditional UPDATE, so of two requests
    with the same code (or an older one) only the first gets through."""
    if not user.has_two_factor or not user.totp_secret:
        raise CodeProblem("wrong")
    step = matching_time_step(user.totp_secret, code)
    if step is None:
        raise CodeProblem("wrong")
    accepted = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    ).rowcount
    if accepted != 1:
        raise CodeProblem("used")


def normalize_recovery_code(code: str) -> str:
    """Upper case, without the spaces and dashes people type or copy along."""
    return "".join(char for char in (code or "").upper() if char.isalnum())


def recovery_code_hash(code: str) -> str:
    """Recovery codes are long and random, so a fast hash keyed with the secret
    key is enough (a stolen database alone does not reveal them).
    NB: changing SECRET_KEY makes the stored recovery codes unusable."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"recovery-code:" + normalize_recovery_code(code).encode(), hashlib.sha256).hexdigest()


def replace_recovery_codes(user: User) -> list[str]:
    """New recovery codes (the old ones stop working). Returns them in plain
    text to show once; only their hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_code_hash(code)) for code in codes)
    db.session.flush()
    logger.info("new recovery codes for user %s", user.id)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: User, code: str) -> None:
    """Accept one of the person's recovery codes once: raises CodeProblem otherwise."""
    code = normalize_recovery_code(code)
    if not user.has_two_factor or len(code) != RECOVERY_CODE_LENGTH:
        raise CodeProblem("wrong")
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == recovery_code_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise CodeProblem("wrong")
    logger.info("recovery code used by user %s", user.id)


def enable_two_factor(user: User, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in once the person proves their app has the
    secret (raises CodeProblem otherwise). Other sign-in sessions, started with
    the password alone, are ended. Returns the recovery codes to show once."""
    step = matching_time_step(secret, code)
    if step is None:
        raise CodeProblem("wrong")
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    end_all_login_sessions(user, keep_token=user.login_session_token)
    codes = replace_recovery_codes(user)
    logger.info("two-factor sign-in turned on for user %s", user.id)
    return codes


def disable_two_factor(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    logger.info("two-factor sign-in turned off for user %s", user.id)
