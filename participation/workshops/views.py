"""Workshops (werkplaatsen): the public list and pages, calendar files,
signing up, "My workshops"; and for coordinators planning, publishing,
cancelling and the check-in at the door.

The live session (join code, notes, themes, dots, projector, outcome) is
the `workshop_session` blueprint in `session/`.
"""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup

from participation.accounts import operations as account_operations
from participation.accounts.forms import ConfirmForm
from participation.accounts.privacy import author_name
from participation.accounts.queries import user_by_email
from participation.core.pagination import page_number
from participation.core.permissions import coordinates, is_coordinator, participation_required, staff_required
from participation.core.rate_limits import per_account
from participation.core.translated import localized_text
from participation.core.types import utcnow
from participation.extensions import db, limiter
from participation.programme import queries as programme_queries
from participation.workshops import calendar, checkin, forms, operations, queries
from participation.workshops.models import RegistrationStatus, SessionState, WorkshopStatus

blueprint = Blueprint("workshops", __name__)

REGISTER_RATE_LIMIT = "20 per hour"
DOOR_RATE_LIMIT = "600 per hour"


# --- for templates (pages and emails) ----------------------------------------------

@blueprint.app_template_filter("workshop_when")
def workshop_when(workshop) -> str:
    """"Tuesday 3 June 2026, 19:00–21:00" in the reader's language and local time."""
    start, end = calendar.to_local(workshop.starts_at), calendar.to_local(workshop.ends_at)
    if start.date() == end.date():
        return _("%(date)s, %(start)s–%(end)s", date=format_date(workshop.starts_at, "full"),
                 start=format_time(workshop.starts_at, "short"), end=format_time(workshop.ends_at, "short"))
    return _("%(start_date)s, %(start)s – %(end_date)s, %(end)s",
             start_date=format_date(workshop.starts_at, "full"), start=format_time(workshop.starts_at, "short"),
             end_date=format_date(workshop.ends_at, "full"), end=format_time(workshop.ends_at, "short"))


@blueprint.app_template_filter("local_moment")
def local_moment(moment) -> str:
    """A single moment, e.g. a deadline: "Monday 2 June 2026, 12:00"."""
    return _("%(date)s, %(time)s", date=format_date(moment, "full"), time=format_time(moment, "short"))


@blueprint.app_template_global("checkin_qr")
def checkin_qr(code: str) -> Markup:
    return checkin.qr_svg(code)


@blueprint.app_template_global("upcoming_workshops")
def upcoming_workshops(limit: int = 3, user=None, initiative=None):
    """For the home page and the initiative page: the next workshops, the
    person's neighbourhood and municipality first (see queries)."""
    return queries.upcoming_workshops(limit, user, initiative)


OUTCOME_ENDPOINTS = ("workshops.outcome", "workshop_session.outcome")


@blueprint.app_template_global("workshop_outcome_url")
def workshop_outcome_url(workshop) -> str | None:
    """The outcome page of a closed session (built by the live-session
    feature), once the coordinator has published it; else None."""
    if not _outcome_is_public(workshop):
        return None
    for endpoint in OUTCOME_ENDPOINTS:
        if endpoint in current_app.view_functions:
            arguments = list(next(current_app.url_map.iter_rules(endpoint)).arguments)
            return url_for(endpoint, **{(arguments[0] if len(arguments) == 1 else "workshop_id"): workshop.id})
    return None


def _outcome_is_public(workshop) -> bool:
    return (workshop.session_state == SessionState.CLOSED
            and getattr(workshop, "outcome_published_at", None) is not None)


@blueprint.context_processor
def labels():
    return {"optional_endpoints": current_app.view_functions}


def _registration_closed_reason(workshop):
    try:
        operations.check_open_for_registration(workshop)
    except operations.RegistrationRefused as refused:
        return refused.message
    return None


def _places_left(workshop) -> int:
    return max(workshop.capacity - workshop.registered_count, 0)


# --- public -----------------------------------------------------------------------------

@blueprint.get("/workshops")
def index():
    municipalities = programme_queries.municipalities_with_neighbourhoods()
    lines = programme_queries.initiatives_by_line()
    filters = queries.resolve_filters(request.args, municipalities, lines)
    page = queries.upcoming_page(filters, page_number(request.args.get("page", 1)))
    form = forms.FilterForm(formdata=None)
    form.set_choices(municipalities, lines, localized_text)
    form.show(filters)
    mine = queries.active_registrations_by_workshop(current_user, [w.id for w in page.items])
    return render_template("workshops/index.html", page=page, form=form, filters=filters, mine=mine,
                           places_left=_places_left)


@blueprint.get("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    workshop = queries.visible_workshop_or_404(workshop_id, current_user)
    manages = coordinates(current_user, workshop.neighbourhood)
    return render_template(
        "workshops/detail.html", workshop=workshop, manages=manages,
        registration=queries.registration_of(current_user, workshop),
        series=queries.series(workshop, include_drafts=manages),
        closed_reason=_registration_closed_reason(workshop), places_left=_places_left(workshop),
        started=workshop.starts_at <= utcnow(), form=ConfirmForm())


@blueprint.get("/workshops/<int:workshop_id>.ics")
def ics(workshop_id: int):
    workshop = queries.visible_workshop_or_404(workshop_id, current_user)
    if workshop.status == WorkshopStatus.DRAFT:
        abort(404)
    return Response(calendar.workshop_ics(workshop), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{calendar.ics_filename(workshop)}"'})


@blueprint.get("/initiatives/<slug:slug>/workshops.ics")
def initiative_calendar(slug: str):
    """A feed to subscribe to: the initiative's workshops, kept up to date by the calendar app."""
    initiative = programme_queries.initiative_by_slug_or_404(slug)
    name = _("Workshops: %(initiative)s", initiative=localized_text(initiative.title))
    body = calendar.initiative_ics(slug, name, queries.initiative_calendar(initiative))
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "public, max-age=900"})


# --- signing up -----------------------------------------------------------------------------

@blueprint.post("/workshops/<int:workshop_id>/register")
@participation_required
@limiter.limit(REGISTER_RATE_LIMIT, key_func=per_account)
def register(workshop_id: int):
    workshop = queries.visible_workshop_or_404(workshop_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registration, is_new = operations.register(current_user, workshop)
    except operations.RegistrationRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("workshops.detail", workshop_id=workshop_id))
    db.session.commit()
    if not is_new:
        flash(_("You had already signed up for this workshop."), "info")
    elif registration.status == RegistrationStatus.REGISTERED:
        flash(_("You have a place. We sent you an email with the details and your check-in code."), "success")
    else:
        flash(_("The workshop is full, so you are on the waiting list. We will email you when a place becomes free."),
              "info")
    return redirect(url_for("workshops.detail", workshop_id=workshop_id, _anchor="your-place"))


@blueprint.post("/workshops/<int:workshop_id>/unregister")
@login_required
@limiter.limit(REGISTER_RATE_LIMIT, key_func=per_account)
def unregister(workshop_id: int):
    workshop = queries.visible_workshop_or_404(workshop_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registration = operations.unregister(current_user, workshop)
    except operations.RegistrationRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("workshops.detail", workshop_id=workshop_id))
    db.session.commit()
    if registration is not None:
        flash(_("You are no longer signed up for this workshop."), "success")
    back = request.form.get("back")
    if back == "mine":
        return redirect(url_for("workshops.mine"))
    return redirect(url_for("workshops.detail", workshop_id=workshop_id))


@blueprint.get("/my/workshops")
@login_required
def mine():
    coming, earlier = queries.my_registrations(current_user)
    return render_template("workshops/mine.html", coming=coming, earlier=earlier, now=utcnow(), form=ConfirmForm())


# --- coordinators -------------------------------------------------------------------------------

def _managed_or_403(workshop_id: int):
    """Load (404), then: only who coordinates its neighbourhood (or an admin)."""
    workshop = queries.workshop_or_404(workshop_id)
    if not coordinates(current_user, workshop.neighbourhood):
        abort(403)
    return workshop


def _short_when(moment) -> str:
    return format_date(moment, "medium")


def _with_choices(form, current=None):
    form.set_choices(queries.initiatives_for_form(), queries.neighbourhoods_for(current_user),
                     queries.previous_choices(current_user, current), localized_text, _short_when)
    return form


def _place_or_error(form):
    """The chosen neighbourhood; a form error when it does not exist, 403 when not theirs."""
    place = queries.neighbourhood(form.neighbourhood.data)
    if place is None:
        form.neighbourhood.errors.append(_("Choose a neighbourhood from the list"))
        return None
    if not coordinates(current_user, place):
        abort(403)
    return place


@blueprint.get("/workshops/manage")
@staff_required(is_coordinator)
def manage():
    coming, earlier = queries.managed_workshops(current_user)
    return render_template("workshops/manage.html", coming=coming, earlier=earlier)


@blueprint.route("/workshops/new", methods=["GET", "POST"])
@staff_required(is_coordinator)
def new():
    form = _with_choices(forms.WorkshopForm())
    if request.method == "GET":
        form.languages.data = ["nl"]
        previous_id = request.args.get("previous", type=int)
        previous = queries.workshop_or_none(previous_id) if previous_id else None
        if previous is not None and coordinates(current_user, previous.neighbourhood):
            form.fill_from(previous, calendar.to_local)
            form.date.data = form.deadline_date.data = form.deadline_time.data = None
            form.previous.data = previous.id
    if form.validate_on_submit() and _place_or_error(form) is not None:
        workshop = operations.create_workshop(current_user, **form.data_for_operation())
        db.session.commit()
        flash(_("The workshop is saved as a draft. Check it, then publish it."), "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/form.html", form=form, workshop=None)


@blueprint.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@staff_required(is_coordinator)
def edit(workshop_id: int):
    workshop = _managed_or_403(workshop_id)
    if workshop.status == WorkshopStatus.CANCELLED:
        flash(str(operations.ChangeRefused("cancelled").message), "error")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    form = _with_choices(forms.WorkshopForm(), current=workshop)
    form.original_start = workshop.starts_at
    form.minimum_capacity = max(1, operations.checked_in_count(workshop))
    if request.method == "GET":
        form.fill_from(workshop, calendar.to_local)
    if form.validate_on_submit() and _place_or_error(form) is not None:
        changed = operations.update_workshop(current_user, workshop, **form.data_for_operation())
        db.session.commit()
        if not changed:
            flash(_("Nothing changed."), "info")
        elif workshop.status == WorkshopStatus.PUBLISHED and any(
                name in operations.NEWS_FIELDS or name == "capacity" for name in changed):
            flash(_("Your changes are saved. Everyone they concern gets an email."), "success")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/form.html", form=form, workshop=workshop)


@blueprint.post("/workshops/<int:workshop_id>/publish")
@staff_required(is_coordinator)
def publish(workshop_id: int):
    workshop = _managed_or_403(workshop_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.publish(current_user, workshop)
    except operations.ChangeRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(_("The workshop is published. Everyone can now see it and sign up."), "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@blueprint.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
@staff_required(is_coordinator)
def cancel(workshop_id: int):
    workshop = _managed_or_403(workshop_id)
    if workshop.status == WorkshopStatus.CANCELLED:
        flash(str(operations.ChangeRefused("cancelled").message), "info")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    form = forms.CancelWorkshopForm()
    if form.validate_on_submit():
        told = operations.cancel_workshop(current_user, workshop, form.reason.data)
        db.session.commit()
        flash(ngettext("The workshop is cancelled. We are emailing %(num)d person.",
                       "The workshop is cancelled. We are emailing %(num)d people.", told), "success")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/cancel.html", workshop=workshop, form=form)


# --- the door -----------------------------------------------------------------------------------

def _attendance_page(workshop, code_form=None, walk_in_form=None, status=200):
    search_form = forms.SearchForm(formdata=request.args)
    search = search_form.q.data if search_form.q.data and search_form.validate() else None
    return render_template(
        "workshops/attendance.html", workshop=workshop, search_form=search_form, search=search,
        attendance=queries.attendance(workshop, search), code_form=code_form or forms.CodeForm(formdata=None),
        walk_in_form=walk_in_form or forms.WalkInForm(formdata=None), form=ConfirmForm(),
        door_open=workshop.status == WorkshopStatus.PUBLISHED), status


def _back_to_door(workshop):
    q = request.form.get("q") or None
    return redirect(url_for("workshops.attendance", workshop_id=workshop.id, q=q))


@blueprint.get("/workshops/<int:workshop_id>/attendance")
@staff_required(is_coordinator)
def attendance(workshop_id: int):
    return _attendance_page(_managed_or_403(workshop_id))


@blueprint.post("/workshops/<int:workshop_id>/attendance/<int:registration_id>")
@staff_required(is_coordinator)
@limiter.limit(DOOR_RATE_LIMIT, key_func=per_account)
def check_in(workshop_id: int, registration_id: int):
    workshop = _managed_or_403(workshop_id)
    registration = queries.registration_in_workshop_or_404(workshop, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        newly = operations.check_in(current_user, workshop, registration)
    except operations.ChangeRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return _back_to_door(workshop)
    db.session.commit()
    _flash_checked_in(registration, newly)
    return _back_to_door(workshop)


def _flash_checked_in(registration, newly: bool) -> None:
    name = author_name(registration.user)
    if not newly:
        flash(_("%(name)s was already checked in.", name=name), "info")
    elif registration.status == RegistrationStatus.WAITLISTED:
        flash(_("%(name)s is checked in. Note: they were on the waiting list.", name=name), "success")
    else:
        flash(_("%(name)s is checked in.", name=name), "success")


@blueprint.post("/workshops/<int:workshop_id>/attendance/code")
@staff_required(is_coordinator)
@limiter.limit(DOOR_RATE_LIMIT, key_func=per_account)
def check_in_code(workshop_id: int):
    workshop = _managed_or_403(workshop_id)
    form = forms.CodeForm()
    if not form.validate_on_submit():
        return _attendance_page(workshop, code_form=form)
    try:
        registration, newly = operations.check_in_by_code(current_user, workshop, form.code.data)
    except operations.ChangeRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return _back_to_door(workshop)
    if registration is None:
        form.code.errors.append(_("No one signed up for this workshop has this code. Check the code, or search by name."))
        return _attendance_page(workshop, code_form=form)
    db.session.commit()
    _flash_checked_in(registration, newly)
    return _back_to_door(workshop)


@blueprint.post("/workshops/<int:workshop_id>/attendance/walk-in")
@staff_required(is_coordinator)
@limiter.limit(DOOR_RATE_LIMIT, key_func=per_account)
def walk_in(workshop_id: int):
    workshop = _managed_or_403(workshop_id)
    form = forms.WalkInForm()
    if not form.validate_on_submit():
        return _attendance_page(workshop, walk_in_form=form)
    person = user_by_email(account_operations.normalize_email(form.email.data)) if form.email.data else None
    if person is not None and person.deleted_at is not None:
        person = None
    try:
        participant, newly = operations.add_walk_in(current_user, workshop, user=person, name=form.name.data or None,
                                                    email_given=bool(form.email.data))
    except operations.ChangeRefused as refused:
        db.session.rollback()
        if refused.reason == "unknown_email":
            form.email.errors.append(str(refused.message))
            return _attendance_page(workshop, walk_in_form=form)
        flash(str(refused.message), "error")
        return _back_to_door(workshop)
    db.session.commit()
    name = author_name(person) if person is not None else participant.name
    if newly:
        flash(_("%(name)s is added.", name=name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=name), "info")
    return _back_to_door(workshop)

