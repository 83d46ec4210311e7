from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """`next=` only ever leads to a path on this site (no other host, no scheme,
    no protocol-relative //host, no backslash tricks)."""
    if not target or len(target) > 2000:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
