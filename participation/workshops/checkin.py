"""Personal check-in codes: short, easy to read aloud and to type, and shown
as a QR code (which a phone's camera app reads back into the same text)."""
import secrets

import segno
from markupsafe import Markup

# No 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B: nothing that looks like something else.
ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(value: str | None) -> str:
    """What someone typed or a camera read: case, spaces and dashes do not matter."""
    return "".join(char for char in (value or "").upper() if char.isalnum())[:16]


def qr_svg(code: str) -> Markup:
    """The code as inline SVG, made here: no script, no outside request. The
    markup is ours (the code comes from ALPHABET), so it goes in as it is.
    Wrap it in an element with role="img" and an aria-label."""
    return Markup(segno.make(code, micro=False).svg_inline(scale=6, dark="#000", light="#fff"))
