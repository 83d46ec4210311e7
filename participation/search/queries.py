"""Full-text search across every registered kind (ideas, proposals), one
interface on both databases: `search(query, page) -> SearchResults`.

Two queries per search, whatever the number of matches: one count, one page
of results (with the initiative joined in).
"""
import math
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import Select, bindparam, column, func, literal_column, or_, select, table

from participation.extensions import db
from participation.programme.models import Initiative
from participation.search import kinds
from participation.search.ddl import FTS_TABLE, PG_TSVECTOR
from participation.search.folding import QUERY_MAX, query_terms
from participation.search.models import SearchDocument
from participation.search.snippets import highlight, snippet

PER_PAGE = 20


@dataclass
class SearchHit:
    kind: str
    object_id: int
    title: str
    title_marked: Markup
    language: str
    snippet: Markup
    initiative_slug: str | None
    initiative_title: dict | None

    @property
    def kind_label(self):
        registered = kinds.kind(self.kind)
        return registered.label if registered else self.kind

    @property
    def url(self) -> str | None:
        registered = kinds.kind(self.kind)
        return registered.url(self.object_id) if registered else None


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    truncated: bool = False  # the query was longer than QUERY_MAX; we used its start
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _visibility_conditions() -> list:
    """Each kind's own visibility check, on top of "only visible items are indexed"."""
    return [or_(SearchDocument.kind != registered.name, registered.visible(SearchDocument.object_id))
            for registered in kinds.registered_kinds() if registered.visible is not None]


def _matching(terms: list[str]) -> tuple[Select, object]:
    """(a SELECT of search_document rows that match, the rank expression: lower is better)."""
    if db.engine.dialect.name == "postgresql":
        tsvector = literal_column(PG_TSVECTOR)
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"),
                                  bindparam("tsquery", " & ".join(f"'{term}':*" for term in terms)))
        statement = select(SearchDocument).where(tsvector.op("@@")(tsquery))
        return statement, -func.ts_rank(tsvector, tsquery)
    fts = table(FTS_TABLE, column("rowid"))
    match = " ".join(f'"{term}"*' for term in terms)  # every term quoted: no FTS5 syntax gets through
    statement = (select(SearchDocument).join(fts, fts.c.rowid == SearchDocument.id)
                 .where(literal_column(FTS_TABLE).op("MATCH")(bindparam("match", match))))
    return statement, func.bm25(literal_column(FTS_TABLE), 5.0, 1.0)


def search(query: str | None, page: int = 1, per_page: int = PER_PAGE) -> SearchResults:
    query = " ".join((query or "").split())
    terms = query_terms(query)
    results = SearchResults(query=query, terms=terms, truncated=len(query) > QUERY_MAX, per_page=per_page)
    if not terms:
        return results
    statement, rank = _matching(terms)
    for condition in _visibility_conditions():
        statement = statement.where(condition)
    results.total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    if not results.total:
        return results
    results.page = page if 1 <= page <= results.pages else 1
    rows = db.session.execute(
        statement.outerjoin(Initiative, Initiative.id == SearchDocument.initiative_id)
        .add_columns(Initiative.slug, Initiative.title)
        .order_by(rank, SearchDocument.id.desc())
        .limit(per_page).offset((results.page - 1) * per_page)
    ).all()
    results.hits = [
        SearchHit(kind=document.kind, object_id=document.object_id, title=document.title,
                  title_marked=highlight(document.title, terms), language=document.language,
                  snippet=snippet(document.body, terms), initiative_slug=slug, initiative_title=title)
        for document, slug, title in rows
    ]
    return results
