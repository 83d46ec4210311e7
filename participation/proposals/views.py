"""Proposals: the list per initiative, the proposal page with its vote box,
results, and the staff forms (create, edit, official answer).

Every view in one order: load (404) → authorise (403) → validate → operation →
commit → flash → redirect.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user

from participation.core.pagination import page_number
from participation.core.permissions import staff_required
from participation.core.rate_limits import per_account
from participation.core.translated import localized_text
from participation.core.types import utcnow
from participation.extensions import db, limiter
from participation.i18n import current_language
from participation.programme import queries as programme_queries
from participation.proposals import forms, operations, policy, queries
from participation.proposals.models import Eligibility, ResultsShown, VoteChoice, VotingMethod

blueprint = Blueprint("proposals", __name__)

DEFAULT_VOTE_LIMIT = "20 per minute;300 per day"


def vote_limit() -> str:
    """Per account (sixty people on one Wi-Fi must not block each other);
    PROPOSAL_VOTE_RATE_LIMIT overrides it."""
    return current_app.config.get("PROPOSAL_VOTE_RATE_LIMIT") or DEFAULT_VOTE_LIMIT


voting_limit = limiter.shared_limit(vote_limit, scope="proposal-vote", key_func=per_account)


@blueprint.app_context_processor
def labels():
    # App-wide: proposal cards and the idea timeline show on other features' pages too.
    return {"PROPOSAL_STATUS_LABELS": forms.STATUS_LABELS, "VOTE_CHOICE_LABELS": forms.CHOICE_LABELS,
            "VOTING_METHOD_LABELS": forms.METHOD_LABELS, "RESULTS_SHOWN_LABELS": forms.RESULTS_LABELS}


@dataclass(frozen=True)
class VoteRow:
    choice: VoteChoice
    label: str
    count: int
    share: float  # of the votes cast, 0..1
    width: str    # the bar's length in the chart, "0".."100"


@blueprint.app_template_global()
def proposal_vote_rows(proposal) -> list[VoteRow]:
    """One row per choice of the proposal's method, for the chart and the table."""
    total = proposal.votes_total
    rows = []
    for choice in forms.CHOICES_BY_METHOD[proposal.method]:
        count = getattr(proposal, operations.COUNTER_COLUMNS[choice])
        share = count / total if total else 0.0
        width = f"{share * 100:.1f}".rstrip("0").rstrip(".")
        rows.append(VoteRow(choice, forms.RESULT_LABELS[choice], count, share, width))
    return rows


@blueprint.app_template_global()
def idea_url(idea) -> str | None:
    """The idea's page, once the ideas feature has one (endpoint ideas.idea)."""
    if "ideas.idea" not in current_app.view_functions:
        return None
    return url_for("ideas.idea", idea_id=idea.id)


# --- reading --------------------------------------------------------------------------------

@blueprint.get("/initiatives/<slug:slug>/proposals")
def for_initiative(slug: str):
    initiative = programme_queries.initiative_by_slug_or_404(slug)
    proposals = queries.initiative_proposals(initiative.id, page=page_number(request.args.get("page")))
    return render_template("proposals/list.html", initiative=initiative, proposals=proposals, now=utcnow())


@blueprint.get("/proposals/<int:proposal_id>", endpoint="proposal")
def detail(proposal_id: int):
    proposal = queries.proposal_page_or_404(proposal_id)
    now = utcnow()
    form = forms.VoteForm()
    form.set_method(proposal.method)
    my_vote = queries.vote_of(current_user, proposal.id)
    if my_vote is not None:
        form.choice.data = my_vote.value
    return render_template("proposals/detail.html", proposal=proposal, now=now, vote_form=form, my_vote=my_vote,
                           withdraw_form=forms.ConfirmForm(), show_content=_content_shown(proposal))


def _content_shown(proposal) -> bool:
    """Hidden proposals show a placeholder; staff who run the proposal still see it."""
    return not proposal.is_hidden or policy.may_manage_proposal(current_user, proposal)


@blueprint.get("/proposals/<int:proposal_id>/results")
def results(proposal_id: int):
    proposal = queries.proposal_or_404(proposal_id)
    now = utcnow()
    closed = policy.voting_state(proposal, now) == "closed"
    eligible = queries.eligible_residents(proposal) if closed and not proposal.is_hidden else None
    return render_template("proposals/results.html", proposal=proposal, now=now, closed=closed, eligible=eligible)


# --- voting ---------------------------------------------------------------------------------

def _to_sign_in(proposal):
    """Back to the proposal after signing in (not to the POST-only vote address)."""
    flash(policy.refusal_message("anonymous", proposal), "info")
    return redirect(url_for("accounts.sign_in", next=url_for("proposals.proposal", proposal_id=proposal.id)))


def _refused(proposal, reason: str):
    if reason == "anonymous":
        return _to_sign_in(proposal)
    flash(policy.refusal_message(reason, proposal), "error")
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))


@blueprint.post("/proposals/<int:proposal_id>/vote")
@voting_limit
def vote(proposal_id: int):
    proposal = queries.proposal_or_404(proposal_id)
    reason = policy.why_cannot_vote(current_user, proposal, utcnow())
    if reason:
        return _refused(proposal, reason)
    form = forms.VoteForm()
    form.set_method(proposal.method)
    if not form.validate_on_submit():
        flash(_("Choose your vote, then press the button."), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))
    try:
        outcome = operations.cast_vote(current_user, proposal, form.choice.data)
        db.session.commit()
    except operations.VoteRefused as refused:
        db.session.rollback()
        return _refused(proposal, refused.reason)
    except operations.VoteConflict:
        db.session.rollback()
        flash(_("Your vote could not be saved just now. Please try again."), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))
    messages = {"cast": _("Thank you! Your vote is counted."), "changed": _("Your vote is changed."),
                "unchanged": _("You had already voted this way. Your vote is counted once.")}
    flash(messages[outcome], "success")
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))


@blueprint.post("/proposals/<int:proposal_id>/vote/withdraw")
@voting_limit
def withdraw(proposal_id: int):
    proposal = queries.proposal_or_404(proposal_id)
    if not current_user.is_authenticated:
        return _to_sign_in(proposal)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        withdrawn = operations.withdraw_vote(current_user, proposal)
        db.session.commit()
    except operations.VoteRefused as refused:
        db.session.rollback()
        return _refused(proposal, refused.reason)
    except operations.VoteConflict:
        db.session.rollback()
        flash(_("Your vote could not be saved just now. Please try again."), "error")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))
    if withdrawn:
        flash(_("Your vote is withdrawn. You can vote again while voting is open."), "success")
    else:
        flash(_("You had not voted on this proposal."), "info")
    return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="vote"))


# --- staff: create and edit -------------------------------------------------------------------

def _prepare(form: forms.ProposalForm, initiative, linked_ids=()) -> forms.ProposalForm:
    """Fill in the choices: neighbourhoods in the person's scope (within the
    initiative's area), published ideas of the initiative, places for the voting area."""
    municipalities = programme_queries.municipalities_with_neighbourhoods()
    neighbourhoods = [n for m in municipalities for n in m.neighbourhoods
                      if policy.neighbourhood_fits(initiative, n) and policy.manages_place(current_user, initiative, n)]
    form.set_neighbourhood_choices(neighbourhoods, localized_text,
                                   allow_none=policy.manages_place(current_user, initiative, None))
    requested = request.args.getlist("idea", type=int) if request.method == "GET" else []
    form.set_idea_choices(queries.idea_choices(initiative.id, linked_ids=linked_ids, requested_ids=requested))
    form.set_area_choices(municipalities, localized_text)
    return form


def _data(form: forms.ProposalForm) -> dict:
    """What the form says, as arguments for the operations (locked fields left out)."""
    data = {"title": form.title.data, "body_markdown": form.body.data, "language": form.language.data,
            "neighbourhood_id": form.neighbourhood.data, "idea_ids": form.ideas.data or []}
    opens, closes = form.window()
    if "opens_date" in form:
        area = form.eligibility.data == Eligibility.AREA.value
        data.update(voting_opens_at=opens, method=VotingMethod(form.method.data),
                    results_shown=ResultsShown(form.results_shown.data), eligibility=Eligibility(form.eligibility.data),
                    municipality_ids=form.area_municipalities.data if area else [],
                    neighbourhood_ids=form.area_neighbourhoods.data if area else [])
    if "closes_date" in form:
        data["voting_closes_at"] = closes
    return data


def _new_form_defaults(form: forms.ProposalForm) -> None:
    """Voting opens at the next full hour and stays open for two weeks."""
    opens = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    form.opens_date.data, form.opens_time.data = forms.utc_to_local(opens)
    form.closes_date.data, form.closes_time.data = forms.utc_to_local(opens + timedelta(days=14))
    form.method.data = VotingMethod.FOR_AGAINST.value
    form.results_shown.data = ResultsShown.LIVE.value
    form.eligibility.data = Eligibility.ALL_VERIFIED.value
    form.language.data = current_language()
    form.ideas.data = [idea_id for idea_id, _label in form.ideas.choices
                       if idea_id in set(request.args.getlist("idea", type=int))]


@blueprint.route("/initiatives/<slug:slug>/proposals/new", methods=["GET", "POST"])
@staff_required()
def create(slug: str):
    initiative = programme_queries.initiative_by_slug_or_404(slug)
    if not policy.may_create_proposal(current_user, initiative):
        abort(403)
    form = _prepare(forms.ProposalForm(), initiative)
    if request.method == "GET":
        _new_form_defaults(form)
    if form.validate_on_submit():
        data = _data(form)
        proposal = operations.create_proposal(current_user, initiative, **data)
        db.session.commit()
        flash(_("The proposal is published."), "success")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, initiative=initiative, proposal=None)


@blueprint.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@staff_required()
def edit(proposal_id: int):
    proposal = queries.proposal_page_or_404(proposal_id)
    if not policy.may_manage_proposal(current_user, proposal):
        abort(403)
    now = utcnow()
    form = _prepare(forms.ProposalForm(), proposal.initiative, linked_ids=[idea.id for idea in proposal.ideas])
    form.current_opens_at, form.current_closes_at = proposal.voting_opens_at, proposal.voting_closes_at
    state = policy.voting_state(proposal, now)
    if state != "upcoming":
        form.lock_voting_settings(closing_too=state == "closed")
    if request.method == "GET":
        _fill_from(form, proposal)
    if form.validate_on_submit():
        data = _data(form)
        operations.update_proposal(current_user, proposal, now=now, **data)
        db.session.commit()
        flash(_("The proposal is saved."), "success")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, initiative=proposal.initiative, proposal=proposal,
                           state=state)


def _fill_from(form: forms.ProposalForm, proposal) -> None:
    form.title.data, form.body.data, form.language.data = proposal.title, proposal.body_markdown, proposal.language
    form.neighbourhood.data = proposal.neighbourhood_id
    form.ideas.data = [idea.id for idea in proposal.ideas]
    if "opens_date" in form:
        form.opens_date.data, form.opens_time.data = forms.utc_to_local(proposal.voting_opens_at)
        form.method.data = proposal.method.value
        form.results_shown.data = proposal.results_shown.value
        form.eligibility.data = proposal.eligibility.value
        form.area_municipalities.data = [m.id for m in proposal.municipalities]
        form.area_neighbourhoods.data = [n.id for n in proposal.neighbourhoods]
    if "closes_date" in form:
        form.closes_date.data, form.closes_time.data = forms.utc_to_local(proposal.voting_closes_at)


# --- staff: the official answer ------------------------------------------------------------------

@blueprint.route("/proposals/<int:proposal_id>/updates/new", methods=["GET", "POST"])
@staff_required()
def add_update(proposal_id: int):
    proposal = queries.proposal_page_or_404(proposal_id)
    if not policy.may_manage_proposal(current_user, proposal):
        abort(403)
    now = utcnow()
    form = forms.StatusUpdateForm()
    form.set_status_choices(policy.next_statuses(proposal, now))
    if request.method == "GET":
        form.language.data = current_language()
        form.status.data = proposal.status.value
    if form.validate_on_submit():
        operations.add_status_update(current_user, proposal, status=form.status.data,
                                     explanation_markdown=form.explanation.data, language=form.language.data, now=now)
        db.session.commit()
        flash(_("The update is published. Everyone involved gets a message."), "success")
        return redirect(url_for("proposals.proposal", proposal_id=proposal.id, _anchor="timeline"))
    return render_template("proposals/update_form.html", form=form, proposal=proposal, now=now)


@blueprint.record_once
def init_app(state) -> None:
    """Registering the blueprint is all create_app does: this adds the Jinja
    helpers for other features' pages (home, initiative, idea) and
    `flask proposals …`."""
    from participation.proposals.cli import proposals_cli

    app = state.app
    policy.init_app(app)
    app.jinja_env.globals.update(open_proposals=queries.open_proposals, proposals_for_idea=queries.proposals_for_idea,
                                 timeline_for_idea=queries.timeline_for_idea,
                                 proposal_timeline=queries.proposal_timeline)
    app.jinja_env.filters.setdefault("percent", format_percent)
    app.cli.add_command(proposals_cli)
