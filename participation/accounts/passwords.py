"""Password hashing (Argon2id, memory-hard) and the password rules."""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128  # long passphrases are welcome; unbounded input is not


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost_kib: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib)
    # Checked against when nobody matches, so an unknown address takes as long as a wrong password.
    return hasher, hasher.hash("not-a-real-password")


def _hasher() -> tuple[PasswordHasher, str]:
    """Argon2id; production uses the library's recommended cost, tests a cheap one."""
    config = current_app.config
    return _hasher_for(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"])


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    # 30,000 most common passwords, shipped in the zxcvbn package.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.lower() in common_passwords()


def password_problem(password: str):
    """The password rules, in one place for the web forms and the CLI: None
    when the password is acceptable, otherwise what is wrong (a lazy string)."""
    if len(password) < MIN_LENGTH:
        return _l("Your password must be at least %(min)s characters long", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Your password can be at most %(max)s characters long", max=MAX_LENGTH)
    if is_common(password):
        return _l("This password is used by many people and is easy to guess. Choose another one.")
    return None


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy_hash = _hasher()
    try:
        return hasher.verify(password_hash or dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
