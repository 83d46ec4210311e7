"""Configuration, read only from environment variables.

Every variable and its default is listed in the README ("Configuration").
`APP_ENV` (or `FLASK_ENV`) picks the class: production, development or testing.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


def app_env() -> str:
    return (os.environ.get("APP_ENV") or os.environ.get("FLASK_ENV") or "development").lower()


class Config:
    APP_ENV = "development"
    INSTANCE_PATH = os.environ.get("INSTANCE_PATH") or str(BASE_DIR / "instance")
    # SECRET_KEY: production must provide one; development generates one into
    # the instance folder (see participation.core.secrets).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None

    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None  # None: instance/participation.db
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None  # None: mail is written to the log
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "Meedoen Zuid-Limburg <noreply@localhost>"
    # Where people reach the site: links in email are built on it, never on a request's Host header.
    PUBLIC_URL = (os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    HSTS = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; long forms on a phone must not expire
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # Photos with ideas (and other uploads); None: <instance>/uploads.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or None
    # Per-account limits on posting ideas and supporting them (Flask-Limiter syntax).
    IDEA_SUBMIT_RATE_LIMIT = "10 per hour"
    IDEA_SUPPORT_RATE_LIMIT = "60 per minute"

    FORM_MIN_FILL_SECONDS = 3
    # Staff are signed out after this many minutes without a request.
    STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
    # Argon2id cost (argon2-cffi's recommended defaults); tests lower it for speed.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 65536

    CATALOGUE_FILE = str(BASE_DIR / "participation" / "programme" / "catalogue.toml")


class DevelopmentConfig(Config):
    APP_ENV = "development"


class TestingConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    RATELIMIT_ENABLED = True


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    HSTS = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    return CONFIGS.get(name or app_env(), DevelopmentConfig)
