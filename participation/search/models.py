"""The search index: one row per searchable item (an idea, a proposal), kept in
step by the features' operations through `participation.search.index_document`.

Only visible items have a row. The folded columns hold the text accent- and
case-folded in Python (search/folding.py); the database-specific full-text
index on them is created by search/ddl.py (an FTS5 table on SQLite, a GIN
expression index on PostgreSQL).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.types import UTCDateTime, utcnow
from participation.extensions import db


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))        # "idea", "proposal"
    object_id: Mapped[int] = mapped_column(Integer)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))       # as written, for the results page
    body: Mapped[str] = mapped_column(Text)               # plain text as written, for snippets
    folded_title: Mapped[str] = mapped_column(Text)       # title (and its translations), folded
    folded_body: Mapped[str] = mapped_column(Text)        # text (and its translations), folded
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
