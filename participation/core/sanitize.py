"""User text to safe HTML: a small Markdown subset, sanitised with bleach on write.

Allowed: paragraphs, line breaks, emphasis, lists, quotes and
links (http, https, mailto only). Everything else — raw HTML, images, event
handlers, `javascript:` URLs, SVG — is stripped or escaped. Links get
rel="nofollow ugc noopener" so spam gains nothing and opened pages cannot
reach back. Stored HTML is produced here only; templates show it with
`|safe` only for these `*_html` columns.
"""
import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = ["p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "a"]
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]


def _link_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True)
_linker = Linker(callbacks=[_link_rel])


# The "zero" preset turns everything off, raw HTML included (it is shown as
# text); we switch on only the subset above. Line breaks are kept as typed.
_markdown = MarkdownIt("zero", {"breaks": True}).enable(
    ["emphasis", "list", "blockquote", "link", "newline", "escape", "entity"]
)


def markdown_to_safe_html(text: str) -> str:
    return _linker.linkify(_cleaner.clean(_markdown.render(text or ""))).strip()


def plain_text(text: str) -> str:
    """Text with every tag removed, for search indexes and email subjects."""
    return bleach.clean(text or "", tags=[], strip=True)
