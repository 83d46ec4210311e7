"""Pages of a list: page numbers read from the query string, and one page of rows.

Bad parameters never cause an error: anything that is not a whole number
gives page 1, and a page past the end gives the last page.
"""
from dataclasses import dataclass, field
from typing import Any


def page_number(value) -> int:
    """`?page=` as a whole number ≥ 1; anything else is 1."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 1_000_000 else 1


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    return min(max(page, 1), page_count(total, per_page))


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def url_with(_anchor: str | None = None, **changes) -> str:
    """The current page's address with some query arguments changed (None
    removes one); other arguments are kept. For pagination and sort links."""
    from urllib.parse import urlencode

    from flask import request

    arguments = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            arguments.pop(name, None)
        else:
            arguments[name] = [str(value)]
    query = urlencode(arguments, doseq=True)
    url = request.path + (f"?{query}" if query else "")
    return url + (f"#{_anchor}" if _anchor else "")
