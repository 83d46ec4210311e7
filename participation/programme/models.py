"""The programme catalogue: programme lines, initiatives and the places they serve."""
import enum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.core.translated import TranslatedText
from participation.core.types import string_enum
from participation.extensions import db


class Country(enum.StrEnum):
    NL = "NL"
    DE = "DE"
    BE = "BE"


class InitiativeStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"


class Moderation(enum.StrEnum):
    """Whether residents' contributions wait for review (pre) or show at once (post)."""

    PRE = "pre"
    POST = "post"


class Municipality(db.Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    country: Mapped[Country] = mapped_column(string_enum(Country, "country"))
    name: Mapped[dict] = mapped_column(TranslatedText)

    neighbourhoods: Mapped[list["Neighbourhood"]] = relationship(
        back_populates="municipality", order_by="Neighbourhood.name", cascade="all, delete-orphan"
    )


class Neighbourhood(db.Model):
    __tablename__ = "neighbourhood"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))

    municipality: Mapped[Municipality] = relationship(back_populates="neighbourhoods")


class ProgrammeLine(db.Model):
    __tablename__ = "programme_line"
    __table_args__ = (
        CheckConstraint("investment_eur >= 0", name="investment_not_negative"),
        CheckConstraint("regional_contribution_eur >= 0", name="contribution_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict] = mapped_column(TranslatedText)
    summary: Mapped[dict] = mapped_column(TranslatedText)
    investment_eur: Mapped[int] = mapped_column(BigInteger)
    regional_contribution_eur: Mapped[int] = mapped_column(BigInteger)

    initiatives: Mapped[list["Initiative"]] = relationship(back_populates="line", order_by="Initiative.position")


initiative_municipality = Table(
    "initiative_municipality",
    db.metadata,
    Column("initiative_id", ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True),
)


class Initiative(db.Model):
    __tablename__ = "initiative"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("programme_line.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict] = mapped_column(TranslatedText)
    summary: Mapped[dict] = mapped_column(TranslatedText)
    description: Mapped[dict] = mapped_column(TranslatedText)
    places: Mapped[dict] = mapped_column(TranslatedText)
    status: Mapped[InitiativeStatus] = mapped_column(string_enum(InitiativeStatus, "initiative_status"))
    moderation: Mapped[Moderation] = mapped_column(string_enum(Moderation, "moderation"), default=Moderation.POST)

    line: Mapped[ProgrammeLine] = relationship(back_populates="initiatives")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=initiative_municipality, order_by=Municipality.slug
    )
