import os
import secrets
from pathlib import Path

from flask import Flask


class MissingSecretKey(RuntimeError):
    pass


def ensure_secret_key(app: Flask) -> None:
    """Production refuses to start without SECRET_KEY; development generates
    one once into the instance folder, so sessions survive restarts."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["APP_ENV"] == "production":
        raise MissingSecretKey("SECRET_KEY must be set in production (see README, Configuration).")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()
