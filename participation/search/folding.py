"""Accent- and case-folding, the same for what we index and what people type.

"Café" → "cafe", "Straße" → "strasse", "Œuvre" → "oeuvre", "Øresund" → "oresund".
Folding happens in Python on write (the folded columns of `search_document`)
and on every query, so neither database needs an extension (PostgreSQL's
`unaccent`) and both find the same things.
"""
import re
import unicodedata
from functools import lru_cache

# Letters that do not decompose into a base letter plus accents.
_SPECIAL = {
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i",
}

# A search term: letters and digits only (no underscore), so nothing in it can
# be an operator in FTS5 or tsquery syntax.
_TERM = re.compile(r"[^\W_]+")

QUERY_MAX = 200  # characters of a query we look at
TERMS_MAX = 10   # words of a query we look at


@lru_cache(maxsize=8192)
def fold_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part)).casefold()


def fold(text: str | None) -> str:
    return "".join(fold_char(char) for char in (text or ""))


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the
    original character it came from (folding may change the length)."""
    pieces, positions = [], []
    for index, char in enumerate(text):
        folded = fold_char(char)
        pieces.append(folded)
        positions.extend([index] * len(folded))
    return "".join(pieces), positions


def query_terms(query: str | None) -> list[str]:
    """The words of a query, folded, without duplicates, at most TERMS_MAX."""
    terms: list[str] = []
    for term in _TERM.findall(fold((query or "")[:QUERY_MAX])):
        if term not in terms:
            terms.append(term)
    return terms[:TERMS_MAX]
