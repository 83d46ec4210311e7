"""Writes about proposals and votes. Like every operation they flush and never
commit: the view (or the CLI command) commits once.

Votes stay exact under concurrency without locks held in Python:

* one vote per person per proposal is the unique constraint's job;
* a new vote is inserted inside a savepoint; losing a race on the unique
  constraint (the same person voting in two requests at once) rolls back only
  the savepoint, and the vote is then changed instead — never a 500;
* a change is a compare-and-swap, `UPDATE vote SET choice = new WHERE … AND
  choice = old`, and only when it really changed a row (rowcount 1) are the
  counters moved, with `UPDATE proposal SET votes_new = votes_new + 1,
  votes_old = votes_old - 1` in the same transaction. On PostgreSQL a
  concurrent change waits for the row and then finds the old choice gone
  (rowcount 0): it reads again and retries. On SQLite every writing request
  holds the write lock from its start (BEGIN IMMEDIATE), so they queue.
"""
import json
import logging
from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.mail.operations import external_url
from participation.notifications.models import FollowTarget, NotificationKind
from participation.notifications.operations import follower_ids, notify
from participation.programme.models import Municipality, Neighbourhood
from participation.proposals import queries
from participation.proposals.forms import CHOICES_BY_METHOD, STATUS_LABELS
from participation.proposals.models import Proposal, ProposalStatus, ProposalUpdate, Vote, VoteChoice
from participation.proposals.policy import is_voting_open, next_statuses, why_cannot_vote
from participation.search import index_document, register_kind

logger = logging.getLogger("participation.proposals")

SEARCH_KIND = "proposal"
# Search results also check this, so a hidden proposal never shows even if its
# index row were still there.
register_kind(SEARCH_KIND, _l("Proposal"), "proposals.proposal", "proposal_id",
              visible=lambda object_id: exists().where(Proposal.id == object_id, Proposal.hidden_at.is_(None)))

COUNTER_COLUMNS = {
    VoteChoice.SUPPORT: "votes_support",
    VoteChoice.FOR: "votes_for",
    VoteChoice.AGAINST: "votes_against",
    VoteChoice.ABSTAIN: "votes_abstain",
}
# A compare-and-swap loses only to a change of the same person's vote that
# committed in between; a few rounds are plenty.
MAX_VOTE_ATTEMPTS = 10


class VoteRefused(Exception):
    """The person may not vote now; `.reason` is a code from policy.VOTE_REFUSALS."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class VoteConflict(Exception):
    """The vote kept changing under us (extremely unlikely); the person can try again."""


class StatusNotAllowed(Exception):
    """This status cannot follow the proposal's current one (or voting has not closed yet)."""


# --- proposals ------------------------------------------------------------------------

def _log(event: str, actor, proposal: Proposal, **details) -> None:
    logger.info("%s %s", event, json.dumps({"actor_id": getattr(actor, "id", None), "proposal_id": proposal.id,
                                             **details}, sort_keys=True, default=str))


def _rows(model, ids) -> list:
    ids = set(ids or ())
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)).all()
    if len(rows) != len(ids):
        raise ValueError(f"unknown {model.__name__} id in {sorted(ids)}")
    return list(rows)


def _linkable_ideas(initiative_id: int, idea_ids) -> list[Idea]:
    """Only published ideas of the same initiative can be linked."""
    ideas = _rows(Idea, idea_ids)
    for idea in ideas:
        if idea.initiative_id != initiative_id or idea.status != IdeaStatus.PUBLISHED:
            raise ValueError(f"idea {idea.id} is not a published idea of initiative {initiative_id}")
    return ideas


def create_proposal(actor, initiative, *, title: str, body_markdown: str, language: str,
                    voting_opens_at: datetime, voting_closes_at: datetime, method, results_shown, eligibility,
                    neighbourhood_id: int | None = None, idea_ids=(), municipality_ids=(),
                    neighbourhood_ids=()) -> Proposal:
    """A proposal, from scratch or from published ideas of the initiative (their
    authors are credited on the page and notified). Permissions are the caller's job."""
    if voting_closes_at <= voting_opens_at:
        raise ValueError("voting must close after it opens")
    ideas = _linkable_ideas(initiative.id, idea_ids)
    proposal = Proposal(
        initiative=initiative,
        neighbourhood_id=neighbourhood_id,
        created_by_id=getattr(actor, "id", None),
        title=title,
        body_markdown=body_markdown,
        body_html=markdown_to_safe_html(body_markdown),
        language=language,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
        method=method,
        results_shown=results_shown,
        eligibility=eligibility,
        ideas=ideas,
        municipalities=_rows(Municipality, municipality_ids),
        neighbourhoods=_rows(Neighbourhood, neighbourhood_ids),
    )
    db.session.add(proposal)
    db.session.flush()
    _notify_idea_authors(actor, proposal, ideas)
    sync_search(proposal)
    _log("proposal.created", actor, proposal, ideas=[idea.id for idea in ideas])
    return proposal


EDITABLE = ("title", "body_markdown", "language", "neighbourhood_id", "voting_opens_at", "voting_closes_at",
            "method", "results_shown", "eligibility")


def update_proposal(actor, proposal: Proposal, *, idea_ids=None, municipality_ids=None, neighbourhood_ids=None,
                    now: datetime | None = None, **changes) -> Proposal:
    """Change what is given. Once voting has opened, how and who votes stay as
    they are (only the closing time may move, while voting is open)."""
    now = now or utcnow()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    started = now >= proposal.voting_opens_at
    locked = {"voting_opens_at", "method", "results_shown", "eligibility"} if started else set()
    if now >= proposal.voting_closes_at:
        locked.add("voting_closes_at")
    if started and (municipality_ids is not None or neighbourhood_ids is not None):
        locked.add("voting area")
    for name in locked:
        if name in changes and changes[name] != getattr(proposal, name):
            raise ValueError(f"{name} cannot change once voting has opened")
    if "voting area" in locked and (
            set(municipality_ids or ()) != {m.id for m in proposal.municipalities}
            or set(neighbourhood_ids or ()) != {n.id for n in proposal.neighbourhoods}):
        raise ValueError("the voting area cannot change once voting has opened")

    for name, value in changes.items():
        setattr(proposal, name, value)
    if "body_markdown" in changes:
        proposal.body_html = markdown_to_safe_html(proposal.body_markdown)
    if proposal.voting_closes_at <= proposal.voting_opens_at:
        raise ValueError("voting must close after it opens")
    if municipality_ids is not None:
        proposal.municipalities = _rows(Municipality, municipality_ids)
    if neighbourhood_ids is not None:
        proposal.neighbourhoods = _rows(Neighbourhood, neighbourhood_ids)
    added = added_for_new_authors = []
    if idea_ids is not None:
        before = {idea.id for idea in proposal.ideas}
        kept = [idea for idea in proposal.ideas if idea.id in set(idea_ids)]
        new_ids = set(idea_ids) - before
        added = _linkable_ideas(proposal.initiative_id, new_ids)
        proposal.ideas = sorted(kept + added, key=lambda idea: idea.id)
        credited = {idea.author_id for idea in kept}
        added_for_new_authors = [idea for idea in added if idea.author_id not in credited]
    db.session.flush()
    if added_for_new_authors:
        _notify_idea_authors(actor, proposal, added_for_new_authors)
    sync_search(proposal)
    _log("proposal.updated", actor, proposal, changed=sorted(changes), ideas_added=[idea.id for idea in added])
    return proposal


def sync_search(proposal: Proposal) -> None:
    """Put the proposal in the search index while it is public, take it out once
    it is hidden. The moderation feature calls this after (un)hiding one."""
    index_document(SEARCH_KIND, proposal.id, proposal.initiative_id, proposal.title, proposal.body_html,
                   proposal.language, visible=not proposal.is_hidden)



def _settings_link() -> str:
    return external_url("accounts.profile")


def _notify_idea_authors(actor, proposal: Proposal, ideas) -> None:
    """Each author once, about their own idea(s) in this proposal."""
    by_author = defaultdict(list)
    for idea in ideas:
        if idea.author_id is not None:
            by_author[idea.author_id].append(idea)
    link = external_url("proposals.proposal", proposal_id=proposal.id)
    for author_id, own_ideas in by_author.items():
        notify([author_id], NotificationKind.IDEA_IN_PROPOSAL, target_kind="proposal", target_id=proposal.id,
               params={"title": proposal.title, "idea_title": own_ideas[0].title,
                       "idea_ids": [idea.id for idea in own_ideas]},
               email_subject=_l("Your idea is part of a proposal: %(title)s", title=proposal.title),
               email_template="proposals/idea_in_proposal", exclude=[getattr(actor, "id", None)],
               proposal=proposal, ideas=own_ideas, link=link, settings_link=_settings_link())


# --- votes ----------------------------------------------------------------------------

def _move_counters(proposal: Proposal, plus: VoteChoice | None = None, minus: VoteChoice | None = None) -> None:
    values = {}
    if plus is not None:
        name = COUNTER_COLUMNS[plus]
        values[name] = getattr(Proposal, name) + 1
    if minus is not None:
        name = COUNTER_COLUMNS[minus]
        values[name] = getattr(Proposal, name) - 1
    # Counting votes is not an edit of the proposal: keep its updated_at.
    values["updated_at"] = Proposal.updated_at
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(values)
                       .execution_options(synchronize_session=False))
    db.session.expire(proposal, list(COUNTER_COLUMNS.values()))


def _current_choice(proposal_id: int, user_id: int) -> VoteChoice | None:
    return db.session.execute(
        select(Vote.choice).where(Vote.proposal_id == proposal_id, Vote.user_id == user_id)).scalar_one_or_none()


def cast_vote(user, proposal: Proposal, choice: VoteChoice, now: datetime | None = None) -> str:
    """Vote, or change one's vote. Returns "cast", "changed" or "unchanged".
    Raises VoteRefused (window, verification, area) or ValueError (a choice
    the proposal's method does not have)."""
    reason = why_cannot_vote(user, proposal, now)
    if reason:
        raise VoteRefused(reason)
    choice = VoteChoice(choice)
    if choice not in CHOICES_BY_METHOD[proposal.method]:
        raise ValueError(f"{choice} is not a choice of a {proposal.method} vote")
    for _attempt in range(MAX_VOTE_ATTEMPTS):
        current = _current_choice(proposal.id, user.id)
        if current is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(Vote).values(proposal_id=proposal.id, user_id=user.id, choice=choice))
            except IntegrityError:
                # The same person voted in another request a moment ago: change that vote.
                logger.debug("vote race: insert lost to a concurrent vote on proposal %s", proposal.id)
                continue
            _move_counters(proposal, plus=choice)
            return "cast"
        if current == choice:
            return "unchanged"
        changed = db.session.execute(
            update(Vote).where(Vote.proposal_id == proposal.id, Vote.user_id == user.id, Vote.choice == current)
            .values(choice=choice, updated_at=utcnow()).execution_options(synchronize_session=False))
        if changed.rowcount == 1:
            _move_counters(proposal, plus=choice, minus=current)
            return "changed"
        logger.debug("vote race: the vote on proposal %s changed meanwhile; reading it again", proposal.id)
    raise VoteConflict()


def withdraw_vote(user, proposal: Proposal, now: datetime | None = None) -> bool:
    """Take one's vote back while voting is open. True when there was one."""
    if proposal.is_hidden or not is_voting_open(proposal, now):
        raise VoteRefused(why_cannot_vote(user, proposal, now) or "closed")
    for _attempt in range(MAX_VOTE_ATTEMPTS):
        current = _current_choice(proposal.id, user.id)
        if current is None:
            return False
        removed = db.session.execute(
            delete(Vote).where(Vote.proposal_id == proposal.id, Vote.user_id == user.id, Vote.choice == current)
            .execution_options(synchronize_session=False))
        if removed.rowcount == 1:
            _move_counters(proposal, minus=current)
            return True
        logger.debug("vote race: the vote on proposal %s changed meanwhile; reading it again", proposal.id)
    raise VoteConflict()


# --- the official answer ------------------------------------------------------------------

def add_status_update(actor, proposal: Proposal, *, status: ProposalStatus, explanation_markdown: str,
                      language: str, now: datetime | None = None) -> ProposalUpdate:
    """A dated step of the official answer. Authors of linked ideas, voters and
    followers are notified (in-app, and by email in their own language)."""
    status = ProposalStatus(status)
    if status not in next_statuses(proposal, now):
        raise StatusNotAllowed(f"{proposal.status} → {status}")
    entry = ProposalUpdate(proposal=proposal, status=status, explanation_markdown=explanation_markdown,
                           explanation_html=markdown_to_safe_html(explanation_markdown), language=language,
                           created_by_id=getattr(actor, "id", None), created_at=now or utcnow())
    proposal.status = status
    db.session.add(entry)
    db.session.flush()
    recipients = (set(queries.idea_author_ids(proposal.id)) | set(queries.voter_ids(proposal.id))
                  | set(follower_ids(FollowTarget.PROPOSAL, proposal.id)))
    notify(recipients, NotificationKind.STATUS_CHANGE, target_kind="proposal", target_id=proposal.id,
           params={"title": proposal.title, "status": status.value},
           email_subject=_l("News about the proposal “%(title)s”: %(status)s", title=proposal.title,
                            status=STATUS_LABELS[status]),
           email_template="proposals/status_update", exclude=[getattr(actor, "id", None)],
           proposal=proposal, entry=entry, status_label=STATUS_LABELS[status],
           link=external_url("proposals.proposal", proposal_id=proposal.id, _anchor="timeline"),
           settings_link=_settings_link())
    _log("proposal.status_update", actor, proposal, status=status.value, update_id=entry.id)
    return entry


# --- voting opened / closed notices ---------------------------------------------------------

def announce_opening(proposal_id: int, now: datetime | None = None) -> int | None:
    """Claim and send the "voting is open" notice of one proposal. None when it
    was already claimed (by an earlier or a parallel run); otherwise how many
    people were notified. Safe to call again and again."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.opening_notified_at.is_(None),
                               Proposal.voting_opens_at <= now)
        .values(opening_notified_at=now, updated_at=Proposal.updated_at)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    proposal = db.session.get(Proposal, proposal_id)
    db.session.refresh(proposal)
    if proposal.is_hidden or now >= proposal.voting_closes_at:
        return 0  # nothing to announce any more; marked so it is not looked at again
    recipients = (set(follower_ids(FollowTarget.PROPOSAL, proposal.id))
                  | set(follower_ids(FollowTarget.INITIATIVE, proposal.initiative_id)))
    return notify(recipients, NotificationKind.VOTING_OPENED, target_kind="proposal", target_id=proposal.id,
                  params={"title": proposal.title},
                  email_subject=_l("Voting has opened: %(title)s", title=proposal.title),
                  email_template="proposals/voting_opened", proposal=proposal,
                  link=external_url("proposals.proposal", proposal_id=proposal.id, _anchor="vote"),
                  settings_link=_settings_link())


def announce_closing(proposal_id: int, now: datetime | None = None) -> int | None:
    """Claim and send the "voting has closed" notice (to followers and voters)."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.closing_notified_at.is_(None),
                               Proposal.voting_closes_at <= now)
        .values(closing_notified_at=now, updated_at=Proposal.updated_at)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    proposal = db.session.get(Proposal, proposal_id)
    db.session.refresh(proposal)
    if proposal.is_hidden:
        return 0
    recipients = set(follower_ids(FollowTarget.PROPOSAL, proposal.id)) | set(queries.voter_ids(proposal.id))
    return notify(recipients, NotificationKind.VOTING_CLOSED, target_kind="proposal", target_id=proposal.id,
                  params={"title": proposal.title},
                  email_subject=_l("Voting has closed: %(title)s", title=proposal.title),
                  email_template="proposals/voting_closed", proposal=proposal,
                  link=external_url("proposals.results", proposal_id=proposal.id),
                  settings_link=_settings_link())
