"""Who may vote on a proposal, who may see its results, and which staff may
run it. Named predicates like core/permissions.py (whose predicates they
build on); used by the views and, through Jinja globals, by the templates, so
a button shows exactly when the view would accept it.

Scope of staff (documented choice):

* A proposal belongs to an initiative and optionally to one neighbourhood.
  Its *municipalities* are that neighbourhood's municipality, or, without a
  neighbourhood, the initiative's municipalities (none: region-wide).
* Admins manage every proposal.
* A coordinator manages the proposals of the neighbourhoods they coordinate;
  a proposal they create must name one of those neighbourhoods, and it must
  lie in one of the initiative's municipalities (any, for a region-wide one).
* A moderator manages a proposal when they moderate one of its
  municipalities; a region-wide proposal without neighbourhood only when
  they moderate all municipalities.
* Ideas linked to a proposal: any *published* idea of the same initiative,
  whoever runs it. Ideas are public already; the link credits and notifies
  their authors. The proposal itself is what the scope above protects.
* Who may vote (the voting area) is chosen freely: it says who is affected,
  not who runs the proposal.
"""
from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import gettext as _

from participation.accounts.models import Role
from participation.core.permissions import (coordinates, is_admin, is_signed_in, moderates,
                                            why_cannot_participate)
from participation.core.translated import localized_text
from participation.core.types import utcnow
from participation.proposals.models import Eligibility, ProposalStatus, ResultsShown

# Reason codes of why_cannot_vote(), in the order they are checked.
VOTE_REFUSALS = ("hidden", "not_open", "closed", "anonymous", "unverified", "no_place", "elsewhere")

# Which official statuses may follow which (the same status again: a new explanation).
NEXT_STATUSES = {
    ProposalStatus.UNDER_CONSIDERATION: (ProposalStatus.UNDER_CONSIDERATION, ProposalStatus.ADOPTED,
                                         ProposalStatus.NOT_ADOPTED),
    ProposalStatus.ADOPTED: (ProposalStatus.ADOPTED, ProposalStatus.IN_PROGRESS, ProposalStatus.DONE),
    ProposalStatus.IN_PROGRESS: (ProposalStatus.IN_PROGRESS, ProposalStatus.DONE),
    ProposalStatus.NOT_ADOPTED: (ProposalStatus.NOT_ADOPTED,),
    ProposalStatus.DONE: (ProposalStatus.DONE,),
}
# A decision about a proposal comes after the vote.
DECISIONS = frozenset({ProposalStatus.ADOPTED, ProposalStatus.NOT_ADOPTED, ProposalStatus.IN_PROGRESS,
                       ProposalStatus.DONE})


# --- the voting window -------------------------------------------------------------

def voting_state(proposal, now: datetime | None = None) -> str:
    """"upcoming", "open" or "closed". The window includes its opening moment
    and excludes its closing moment."""
    now = now or utcnow()
    if now < proposal.voting_opens_at:
        return "upcoming"
    if now < proposal.voting_closes_at:
        return "open"
    return "closed"


def is_voting_open(proposal, now: datetime | None = None) -> bool:
    return voting_state(proposal, now) == "open"


def results_visible(proposal, now: datetime | None = None) -> bool:
    """Counts are shown live, or (if so chosen) only once voting has closed —
    to everyone alike, staff included. Never for a hidden proposal."""
    if proposal.is_hidden:
        return False
    return proposal.results_shown == ResultsShown.LIVE or voting_state(proposal, now) == "closed"


# --- who may vote ----------------------------------------------------------------------

def lives_in_area(user, proposal) -> bool:
    """The place in the person's profile is one of the proposal's neighbourhoods,
    or lies in one of its municipalities."""
    if user.neighbourhood_id is not None and any(n.id == user.neighbourhood_id for n in proposal.neighbourhoods):
        return True
    return user.municipality_id is not None and any(m.id == user.municipality_id for m in proposal.municipalities)


def _could_qualify_by_adding_a_neighbourhood(user, proposal) -> bool:
    return (user.neighbourhood_id is None and user.municipality_id is not None
            and any(n.municipality_id == user.municipality_id for n in proposal.neighbourhoods))


def why_cannot_vote(user, proposal, now: datetime | None = None) -> str | None:
    """None when `user` may vote on `proposal` at `now`; otherwise a reason code
    from VOTE_REFUSALS. The one rule for the vote box, the vote view and the
    refusal messages."""
    now = now or utcnow()
    if proposal.is_hidden:
        return "hidden"
    state = voting_state(proposal, now)
    if state == "upcoming":
        return "not_open"
    if state == "closed":
        return "closed"
    reason = why_cannot_participate(user)  # "anonymous" / "unverified"
    if reason:
        return reason
    if proposal.eligibility == Eligibility.AREA:
        if user.municipality_id is None and user.neighbourhood_id is None:
            return "no_place"
        if not lives_in_area(user, proposal):
            return "no_place" if _could_qualify_by_adding_a_neighbourhood(user, proposal) else "elsewhere"
    return None


def can_vote(user, proposal, now: datetime | None = None) -> bool:
    return why_cannot_vote(user, proposal, now) is None


def area_names(proposal) -> str:
    """"Maastricht, Caberg (Maastricht)": the places whose residents may vote."""
    names = [localized_text(m.name) for m in proposal.municipalities]
    names += [_("%(neighbourhood)s (%(municipality)s)", neighbourhood=n.name,
                municipality=localized_text(n.municipality.name)) for n in proposal.neighbourhoods]
    return ", ".join(names)


def voting_time(moment: datetime) -> str:
    """A moment for people: "Saturday, 1 March 2025 at 09:00", in Europe/Amsterdam
    (the configured time zone) and the page's language."""
    return _("%(date)s at %(time)s", date=format_date(moment, "full"), time=format_time(moment, "short"))


def refusal_message(reason: str, proposal) -> str:
    """Why this person cannot vote, in one or two plain sentences (the vote box
    adds the matching link or button)."""
    if reason == "hidden":
        return _("This proposal is hidden by the moderators. You cannot vote on it.")
    if reason == "not_open":
        return _("Voting opens on %(when)s.", when=voting_time(proposal.voting_opens_at))
    if reason == "closed":
        return _("Voting closed on %(when)s.", when=voting_time(proposal.voting_closes_at))
    if reason == "anonymous":
        return _("Sign in to vote. Do you not have an account yet? Creating one takes two minutes.")
    if reason == "unverified":
        return _("First confirm your email address. We sent you an email with a link when you signed up.")
    if reason == "no_place":
        return _("Only residents of %(places)s can vote on this proposal. Set your place in your profile to vote.",
                 places=area_names(proposal))
    if reason == "elsewhere":
        return _("Only residents of %(places)s can vote on this proposal. The place in your profile is not one of "
                 "them. Have you moved? Then change your place in your profile.", places=area_names(proposal))
    return _("You cannot vote on this proposal.")


# --- staff -----------------------------------------------------------------------------

def neighbourhood_fits(initiative, neighbourhood) -> bool:
    """The neighbourhood lies where the initiative works (anywhere, if it is region-wide)."""
    return not initiative.municipalities or any(
        m.id == neighbourhood.municipality_id for m in initiative.municipalities)


def manages_place(user, initiative, neighbourhood) -> bool:
    """Staff scope over a proposal of `initiative` in `neighbourhood` (None: no
    neighbourhood). See the module docstring."""
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    if neighbourhood is not None:
        return coordinates(user, neighbourhood) or moderates(user, neighbourhood.municipality)
    if user.role != Role.MODERATOR:
        return False
    if not initiative.municipalities:
        return moderates(user, None)  # region-wide: only who moderates all municipalities
    return any(moderates(user, municipality) for municipality in initiative.municipalities)


def may_create_proposal(user, initiative) -> bool:
    """There is at least one place in this initiative where `user` may run a proposal."""
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    if user.role == Role.COORDINATOR:
        return any(neighbourhood_fits(initiative, n) for n in user.coordinated_neighbourhoods)
    if user.role == Role.MODERATOR:
        if user.moderates_everywhere:
            return True
        if not initiative.municipalities:
            return bool(user.moderated_municipalities)  # with a neighbourhood in one of them
        return any(moderates(user, municipality) for municipality in initiative.municipalities)
    return False


def may_manage_proposal(user, proposal) -> bool:
    """Edit the proposal and give its official answer (status updates)."""
    return manages_place(user, proposal.initiative, proposal.neighbourhood)


def next_statuses(proposal, now: datetime | None = None) -> tuple[ProposalStatus, ...]:
    """The statuses a staff member may choose for the next update."""
    allowed = NEXT_STATUSES[proposal.status]
    if voting_state(proposal, now) != "closed":
        allowed = tuple(status for status in allowed if status not in DECISIONS)
    return allowed


def init_app(app) -> None:
    app.jinja_env.globals.update(
        why_cannot_vote=why_cannot_vote, can_vote=can_vote, vote_refusal_message=refusal_message,
        voting_state=voting_state, results_visible=results_visible, may_create_proposal=may_create_proposal,
        may_manage_proposal=may_manage_proposal, proposal_area_names=area_names,
    )
    app.jinja_env.filters.update(voting_time=voting_time)
