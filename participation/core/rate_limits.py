"""Rate-limit keys. Participation is limited per account, never per address:
sixty people on one workshop Wi-Fi share an IP address and must not block
each other. Anonymous requests fall back to the address."""
from flask_limiter.util import get_remote_address
from flask_login import current_user


def per_account() -> str:
    if current_user and current_user.is_authenticated:
        return f"account:{current_user.id}"
    return f"address:{get_remote_address()}"
