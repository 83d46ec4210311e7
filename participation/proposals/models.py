"""Proposals residents vote on, their votes, and the official answer over time."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.core.content import Hideable, WrittenInLanguage
from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db
from participation.ideas.models import Idea
from participation.programme.models import Initiative, Municipality, Neighbourhood

TITLE_MAX = 120
BODY_MAX = 10000


class VotingMethod(enum.StrEnum):
    SUPPORT = "support"          # one choice: "I support this"
    FOR_AGAINST = "for_against"  # for / against / abstain


class VoteChoice(enum.StrEnum):
    SUPPORT = "support"
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class ResultsShown(enum.StrEnum):
    LIVE = "live"                # counts visible while voting is open
    AFTER_CLOSING = "after_closing"


class Eligibility(enum.StrEnum):
    ALL_VERIFIED = "all"         # every verified resident
    AREA = "area"                # only residents of the proposal's municipalities / neighbourhoods


class ProposalStatus(enum.StrEnum):
    UNDER_CONSIDERATION = "under_consideration"
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"
    IN_PROGRESS = "in_progress"
    DONE = "done"


proposal_idea = Table(
    "proposal_idea",
    db.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("idea_id", ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True, index=True),
)

proposal_municipality = Table(
    "proposal_municipality",
    db.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True),
)

proposal_neighbourhood = Table(
    "proposal_neighbourhood",
    db.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("neighbourhood_id", ForeignKey("neighbourhood.id", ondelete="CASCADE"), primary_key=True),
)


class Proposal(WrittenInLanguage, Hideable, db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("voting_closes_at > voting_opens_at", name="window_closes_after_opening"),
        CheckConstraint("votes_support >= 0 AND votes_for >= 0 AND votes_against >= 0 AND votes_abstain >= 0",
                        name="vote_counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    voting_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    method: Mapped[VotingMethod] = mapped_column(string_enum(VotingMethod, "voting_method"))
    results_shown: Mapped[ResultsShown] = mapped_column(string_enum(ResultsShown, "results_shown", 16),
                                                        default=ResultsShown.LIVE)
    eligibility: Mapped[Eligibility] = mapped_column(string_enum(Eligibility, "eligibility"),
                                                     default=Eligibility.ALL_VERIFIED)
    status: Mapped[ProposalStatus] = mapped_column(string_enum(ProposalStatus, "proposal_status", 24),
                                                   default=ProposalStatus.UNDER_CONSIDERATION)

    # Kept in step by atomic UPDATE … SET n = n ± 1 in the vote's transaction.
    votes_support: Mapped[int] = mapped_column(Integer, default=0)
    votes_for: Mapped[int] = mapped_column(Integer, default=0)
    votes_against: Mapped[int] = mapped_column(Integer, default=0)
    votes_abstain: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set once the "voting is open / closed" notices went out, so each goes out once.
    opening_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    neighbourhood: Mapped[Neighbourhood | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    ideas: Mapped[list[Idea]] = relationship(secondary=proposal_idea, order_by=Idea.id)
    municipalities: Mapped[list[Municipality]] = relationship(secondary=proposal_municipality)
    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(secondary=proposal_neighbourhood)
    updates: Mapped[list["ProposalUpdate"]] = relationship(
        back_populates="proposal", order_by="ProposalUpdate.created_at", cascade="all, delete-orphan")

    @property
    def votes_total(self) -> int:
        return self.votes_support + self.votes_for + self.votes_against + self.votes_abstain


class Vote(db.Model):
    """One per person per proposal (unique constraint); changeable while voting is open."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    choice: Mapped[VoteChoice] = mapped_column(string_enum(VoteChoice, "vote_choice"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProposalUpdate(WrittenInLanguage, db.Model):
    """One step of the official answer: a status with a dated explanation."""

    __tablename__ = "proposal_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(string_enum(ProposalStatus, "proposal_update_status", 24))
    explanation_markdown: Mapped[str] = mapped_column(Text)
    explanation_html: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="updates")
    created_by: Mapped[User | None] = relationship()
