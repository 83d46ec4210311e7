"""Snippets with the search words marked, made in Python from the original
text (so "café" is marked when someone searched for "cafe"), the same on
every database."""
import re

from markupsafe import Markup, escape

from participation.search.folding import fold_with_positions

SNIPPET_LENGTH = 220
LEAD = 60  # characters shown before the first match


def _pattern(terms: list[str]) -> re.Pattern | None:
    if not terms:
        return None
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    # A word that starts with one of the terms (we search by prefix too).
    return re.compile(r"(?<![^\W_])(?:" + alternatives + r")[^\W_]*")


def _matches(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) of the matching words in the original text."""
    pattern = _pattern(terms)
    if pattern is None or not text:
        return []
    folded, positions = fold_with_positions(text)
    spans = []
    for match in pattern.finditer(folded):
        start, end = positions[match.start()], positions[match.end() - 1] + 1
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


def _marked(text: str, spans: list[tuple[int, int]], offset: int = 0) -> Markup:
    out, position = [], 0
    for start, end in spans:
        start, end = start - offset, end - offset
        if start < 0 or end > len(text):
            continue
        out.append(escape(text[position:start]))
        out.append(Markup("<mark>{}</mark>").format(text[start:end]))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


def highlight(text: str, terms: list[str]) -> Markup:
    """The whole text, escaped, with the matching words in <mark>."""
    return _marked(text, _matches(text, terms))


def snippet(text: str, terms: list[str], length: int = SNIPPET_LENGTH) -> Markup:
    """About `length` characters around the first match (or the start), escaped, marked."""
    text = text or ""
    spans = _matches(text, terms)
    start = 0
    if spans and spans[0][0] > LEAD:
        start = spans[0][0] - LEAD
        space = text.find(" ", start)
        if 0 <= space < spans[0][0]:
            start = space + 1
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start + length // 2:
            end = space
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    result = _marked(text[start:end], inside, offset=start)
    return Markup("{}{}{}").format("… " if start > 0 else "", result, " …" if end < len(text) else "")
