"""The live session (board, projector, joining with a code, notes, themes,
dots) and the outcome of a workshop: the `workshop_session` blueprint.

Every action is a plain POST form (Post/Redirect/Get), so the pages work
without JavaScript; static/js/board.js only adds polling and quicker dots.
"""
import hashlib

import segno
from flask import (Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from participation.core.permissions import is_coordinator, is_signed_in, staff_required
from participation.extensions import db, limiter
from participation.i18n import current_language
from participation.mail.operations import external_url
from participation.workshops.models import SessionState
from participation.workshops.session import access, forms, operations, queries
from participation.workshops.session.forms import HIDE_REASONS
from participation.workshops.session.operations import SessionProblem

blueprint = Blueprint("workshop_session", __name__)

# Wrong join codes per address (only wrong ones count: a room full of phones
# on one Wi-Fi shares an address). Configurable as WORKSHOP_JOIN_CODE_LIMIT.
JOIN_CODE_LIMIT = "20 per 15 minutes"
NOTE_LIMIT = "8 per minute;120 per hour"
DOT_LIMIT = "60 per minute"
POLL_SECONDS = 3
ASYNC_HEADER = "X-Board-Async"
PASS_HEADER = "X-Board-Pass"


@blueprint.app_context_processor
def session_helpers():
    return {"runs_workshop": access.runs_workshop, "outcome_is_public": access.outcome_is_public,
            "SessionState": SessionState}


# --- rate-limit keys ---------------------------------------------------------------

def _join_code_limit() -> str:
    return current_app.config.get("WORKSHOP_JOIN_CODE_LIMIT", JOIN_CODE_LIMIT)


def _join_code_was_wrong(response) -> bool:
    return bool(g.get("join_code_wrong"))


def per_board_member() -> str:
    """Per account, else per device token (walk-ins), else per address."""
    if is_signed_in(current_user):
        return f"account:{current_user.id}"
    token = access.device_token((request.view_args or {}).get("workshop_id", 0))
    if token:
        return "device:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    return f"address:{get_remote_address()}"


# --- helpers -------------------------------------------------------------------------

def problem_message(reason: str) -> str:
    messages = {
        "state": _("The session has moved on in the meantime. Have a look at the board."),
        "not_published": _("Only a published workshop can start its session."),
        "not_live": _("Notes can only be added while the session is running."),
        "not_open": _("Notes can only be added while the session is running."),
        "closed": _("The session has ended: the board cannot change any more."),
        "no_dots_left": _("You have used all your dots. Take one back to place it somewhere else."),
        "not_voting": _("Dot voting is not open right now."),
        "gone": _("This changed just now. Please try again."),
        "no_dot_here": _("You have no dot here to take back."),
        "same_theme": _("Choose another theme to merge with."),
        "not_closed": _("Close the session first."),
        "outcome_incomplete": _("Write the summary and the next steps first, and save them."),
    }
    return messages.get(reason, messages["gone"])


def _runner_only(workshop):
    if not access.runs_workshop(current_user, workshop):
        abort(403)


def _participant_only(workshop):
    participant = access.current_participant(workshop)
    if participant is None:
        abort(403)
    return participant


def _manage(workshop, anchor: str | None = None):
    return redirect(url_for("workshop_session.manage", workshop_id=workshop.id, _anchor=anchor))


def _board(workshop, anchor: str | None = None):
    return redirect(url_for("workshop_session.board", workshop_id=workshop.id, _anchor=anchor))


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


def idea_url(idea, external: bool = False) -> str:
    """Where an idea can be read: its own page (ideas feature), else its initiative."""
    build = external_url if external else url_for
    if "ideas.idea" in current_app.view_functions:
        return build("ideas.idea", idea_id=idea.id)
    return build("programme.initiative", slug=idea.initiative.slug)


def proposal_start_url(idea) -> str | None:
    """The proposals feature's form, filled in with this idea, for someone who may use it."""
    if "proposals.create" not in current_app.view_functions:
        return None
    from participation.proposals.policy import may_create_proposal
    if not may_create_proposal(current_user, idea.initiative):
        return None
    return url_for("proposals.create", slug=idea.initiative.slug, idea=idea.id)


def qr_code_svg(url: str) -> Markup:
    """Inline SVG made here (no script, no outside request); our own markup only."""
    return Markup(segno.make(url, micro=False, error="m").svg_inline(scale=8, dark="#000", light="#fff",
                                                                     omitsize=True))


def _page_context(workshop, view: str, viewer: access.Viewer) -> dict:
    return {
        "workshop": workshop,
        "csrf_value": generate_csrf(),
        "board_pass": access.make_pass(workshop, view, viewer, current_language()),
        "state_url": url_for("workshop_session.board_state", workshop_id=workshop.id, view=view),
        "poll_seconds": POLL_SECONDS,
        "hide_reasons": HIDE_REASONS,
        "view": view,
    }


# --- joining ---------------------------------------------------------------------------

def _join_form() -> forms.JoinForm:
    form = forms.JoinForm()
    # Without an account the first name is needed (the label should not say "optional").
    form.first_name.flags.required = not is_signed_in(current_user)
    return form


@blueprint.route("/join", methods=["GET", "POST"])
@limiter.limit(_join_code_limit, methods=["POST"], deduct_when=_join_code_was_wrong)
def join():
    """Join a running session with the code on the screen (the QR code opens this page with it)."""
    form = _join_form()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = queries.normalize_join_code(request.args["code"])
    if form.validate_on_submit():
        workshop = queries.workshop_for_join_code(form.code.data)
        if workshop is None:
            g.join_code_wrong = True
            form.code.errors.append(_("This code is not right, or the session has ended. "
                                      "Check the code on the screen and try again."))
        elif is_signed_in(current_user):
            operations.join_with_account(workshop, current_user, credit_by_name=form.credit_by_name.data)
            db.session.commit()
            flash(_("Welcome! You are on the board of “%(title)s”.", title=workshop.title), "success")
            return _board(workshop)
        elif (existing := access.current_participant(workshop)) is not None:
            operations.set_credit(existing, form.credit_by_name.data)
            db.session.commit()
            return _board(workshop)
        elif not form.first_name.data:
            form.first_name.errors.append(_("Enter your first name"))
        else:
            _participant, token = operations.join_as_guest(workshop, first_name=form.first_name.data,
                                                           credit_by_name=form.credit_by_name.data)
            db.session.commit()
            access.remember_device(workshop.id, token)
            flash(_("Welcome, %(name)s! You are on the board of “%(title)s”.", name=form.first_name.data,
                    title=workshop.title), "success")
            return _board(workshop)
    return render_template("workshops/session/join.html", form=form, workshop=None)


# --- the board (phones) ------------------------------------------------------------------

def _board_page(workshop, viewer, note_form=None, status: int = 200):
    board = queries.board(workshop, participant=viewer.participant)
    credit_form = forms.CreditForm(credit_by_name=viewer.participant.credit_by_name) if viewer.participant else None
    context = _page_context(workshop, "phone", viewer)
    body = render_template("workshops/session/board.html", board=board, viewer=viewer,
                           note_form=note_form or forms.NoteForm(), credit_form=credit_form, **context)
    return _no_store(make_response(body, status))


@blueprint.get("/workshops/<int:workshop_id>/board")
def board(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    viewer = access.viewer_for(workshop)
    if not viewer.may_see(workshop):
        if workshop.session_state in queries.OPEN_STATES:
            # Not (yet) on the board: the way in is the code on the screen.
            return render_template("workshops/session/join.html", form=_join_form(), workshop=workshop), 403
        abort(403)
    return _board_page(workshop, viewer)


@blueprint.post("/workshops/<int:workshop_id>/board/notes")
@limiter.limit(NOTE_LIMIT, key_func=per_board_member)
def post_note(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    participant = _participant_only(workshop)
    form = forms.NoteForm()
    if not form.validate_on_submit():
        # The text stays in the field, with the message next to it.
        return _board_page(workshop, access.viewer_for(workshop), note_form=form)
    try:
        operations.post_note(workshop, participant, form.text.data, current_language())
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
        return _board_page(workshop, access.viewer_for(workshop), note_form=form)
    db.session.commit()
    flash(_("Your note is on the board."), "success")
    return _board(workshop, "note-form")


@blueprint.post("/workshops/<int:workshop_id>/board/credit")
def set_credit(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    participant = _participant_only(workshop)
    form = forms.CreditForm()
    if form.validate_on_submit():
        operations.set_credit(participant, form.credit_by_name.data)
        db.session.commit()
        if form.credit_by_name.data:
            flash(_("Thank you. Your name may be shown with your notes when they are passed on."), "success")
        else:
            flash(_("Your notes are passed on without your name."), "success")
    return _board(workshop)


def _parse_target(value: str | None) -> tuple[str, int] | None:
    kind, _sep, number = (value or "").partition("-")
    if kind in ("note", "theme") and number.isdigit():
        return kind, int(number)
    return None


def _dot_answer(workshop, message: str, ok: bool):
    if request.headers.get(ASYNC_HEADER):
        return jsonify({"ok": ok, "message": message}), (200 if ok else 409)
    flash(message, "success" if ok else "error")
    return _board(workshop, "board")


@blueprint.post("/workshops/<int:workshop_id>/board/dots")
@limiter.limit(DOT_LIMIT, key_func=per_board_member)
def dots(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    participant = _participant_only(workshop)
    form = forms.ActionForm()
    target = _parse_target(request.form.get("target"))
    action = request.form.get("action")
    if not form.validate_on_submit() or target is None or action not in ("add", "remove"):
        abort(400)
    try:
        if action == "add":
            operations.place_dot(workshop, participant, *target)
        else:
            operations.take_dot_back(workshop, participant, *target)
    except SessionProblem as problem:
        db.session.rollback()
        return _dot_answer(workshop, problem_message(problem.reason), ok=False)
    db.session.commit()
    left = max(0, workshop.dots_per_person - participant.dots_used)
    return _dot_answer(workshop, ngettext("You have %(num)d dot left.", "You have %(num)d dots left.", left), ok=True)


# --- polling --------------------------------------------------------------------------------

def _grant_from_cookie(workshop_id: int, view: str) -> access.Grant | None:
    """Without a pass (e.g. a script or an old page): the full check with the session cookie."""
    workshop = queries.workshop_or_404(workshop_id)
    viewer = access.viewer_for(workshop)
    if view in ("manage", "projector"):
        return access.Grant(view, current_language(), staff_id=current_user.id) if viewer.runs else None
    if viewer.is_participant:
        return access.Grant(view, current_language(), participant_id=viewer.participant.id)
    if viewer.staff:
        return access.Grant(view, current_language(), staff_id=current_user.id)
    if access.board_is_public(workshop):
        return access.Grant(view, current_language())
    return None


def _etag(head: queries.BoardHead, grant: access.Grant) -> str:
    viewer = hashlib.sha256(grant.key.encode()).hexdigest()[:12]
    return f"b{head.board_version}-{head.session_state.value}-{viewer}"


@blueprint.get("/workshops/<int:workshop_id>/board/state")
def board_state(workshop_id: int):
    """The board as a JSON/HTML fragment for polling. With an unchanged board
    (If-None-Match) the answer is 304 after one tiny query."""
    view = request.args.get("view", "phone")
    if view not in access.VIEWS:
        abort(404)
    head = queries.board_head(workshop_id)
    if head is None:
        abort(404)
    grant = access.read_pass(request.headers.get(PASS_HEADER), workshop_id, view)
    if grant is None:
        grant = _grant_from_cookie(workshop_id, view)
    if grant is None or not grant.allows(head) or (view != "phone" and not grant.staff_id):
        abort(403)
    etag = _etag(head, grant)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = jsonify(_state_payload(workshop_id, view, grant))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add(PASS_HEADER)
    return response


def _state_payload(workshop_id: int, view: str, grant: access.Grant) -> dict:
    workshop = queries.workshop_or_404(workshop_id)
    participant = queries.participant_by_id(workshop.id, grant.participant_id) if grant.participant_id else None
    if grant.participant_id and participant is None:
        abort(403)
    board = queries.board(workshop, participant=participant, include_hidden=(view == "manage"))
    template = {"phone": "workshops/session/_board.html", "projector": "workshops/session/_projector_board.html",
                "manage": "workshops/session/_manage_board.html"}[view]
    with force_locale(grant.language):
        html = render_template(template, workshop=workshop, board=board, csrf_value="", hide_reasons=HIDE_REASONS,
                               view=view, viewer=access.Viewer(participant=participant, staff=bool(grant.staff_id)))
    return {"version": workshop.board_version, "state": workshop.session_state.value, "html": html}


# --- the projector ----------------------------------------------------------------------------

@blueprint.get("/workshops/<int:workshop_id>/board/projector")
@staff_required(is_coordinator)
def projector(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    _runner_only(workshop)
    viewer = access.viewer_for(workshop)
    join_url = external_url("workshop_session.join", code=workshop.join_code) if workshop.join_code else None
    short_url = external_url("workshop_session.join")
    body = render_template("workshops/session/projector.html", board=queries.board(workshop), viewer=viewer,
                           join_url=join_url, short_url=short_url.split("://", 1)[-1],
                           qr_code=qr_code_svg(join_url) if join_url else None,
                           **_page_context(workshop, "projector", viewer))
    return _no_store(make_response(body))


# --- running the session (coordinator) -------------------------------------------------------

def _manage_page(workshop, status: int = 200, **form_overrides):
    viewer = access.viewer_for(workshop)
    board = queries.board(workshop, include_hidden=True)
    paper_form = form_overrides.pop("paper_form", None) or forms.PaperNoteForm(formdata=None)
    paper_form.set_theme_choices(board.themes)
    page_forms = {
        "action_form": forms.ActionForm(),
        "paper_form": paper_form,
        "theme_form": form_overrides.pop("theme_form", None) or forms.ThemeForm(formdata=None),
        "dots_form": form_overrides.pop("dots_form", None) or forms.DotsPerPersonForm(
            formdata=None, dots=workshop.dots_per_person),
    }
    body = render_template("workshops/session/manage.html", board=board, viewer=viewer, **page_forms,
                           **_page_context(workshop, "manage", viewer))
    return _no_store(make_response(body, status))


def _runner_workshop(workshop_id: int):
    workshop = queries.workshop_or_404(workshop_id)
    _runner_only(workshop)
    return workshop


@blueprint.get("/workshops/<int:workshop_id>/session")
@staff_required(is_coordinator)
def manage(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    return _manage_page(workshop)


def _simple_action(workshop_id: int, action, success: str, anchor: str | None = None):
    workshop = _runner_workshop(workshop_id)
    if forms.ActionForm().validate_on_submit():
        try:
            action(current_user, workshop)
        except SessionProblem as problem:
            db.session.rollback()
            flash(problem_message(problem.reason), "error")
        else:
            db.session.commit()
            flash(success, "success")
    return _manage(workshop, anchor)


@blueprint.post("/workshops/<int:workshop_id>/session/start")
@staff_required(is_coordinator)
def start(workshop_id: int):
    return _simple_action(workshop_id, operations.start_session,
                          _("The session has started. Show the projector view so people can join."))


@blueprint.post("/workshops/<int:workshop_id>/session/voting")
@staff_required(is_coordinator)
def open_voting(workshop_id: int):
    return _simple_action(workshop_id, operations.open_voting,
                          _("Dot voting is open. Everyone can now place their dots."))


@blueprint.post("/workshops/<int:workshop_id>/session/voting/end")
@staff_required(is_coordinator)
def end_voting(workshop_id: int):
    return _simple_action(workshop_id, operations.end_voting,
                          _("Dot voting has ended. People can write notes again."))


@blueprint.post("/workshops/<int:workshop_id>/session/close")
@staff_required(is_coordinator)
def close(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    if forms.ActionForm().validate_on_submit():
        try:
            operations.close_session(current_user, workshop)
        except SessionProblem as problem:
            db.session.rollback()
            flash(problem_message(problem.reason), "error")
            return _manage(workshop)
        db.session.commit()
        flash(_("The session is closed. Now write down what came out of it."), "success")
        return redirect(url_for("workshop_session.edit_outcome", workshop_id=workshop.id))
    return _manage(workshop)


@blueprint.post("/workshops/<int:workshop_id>/session/dots-per-person")
@staff_required(is_coordinator)
def dots_per_person(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    form = forms.DotsPerPersonForm()
    if not form.validate_on_submit():
        return _manage_page(workshop, dots_form=form)
    try:
        operations.set_dots_per_person(current_user, workshop, form.dots.data)
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
    else:
        db.session.commit()
        flash(ngettext("Everyone has %(num)d dot.", "Everyone has %(num)d dots.", workshop.dots_per_person),
              "success")
    return _manage(workshop)


@blueprint.post("/workshops/<int:workshop_id>/session/notes")
@staff_required(is_coordinator)
def add_paper_note(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    form = forms.PaperNoteForm()
    if not form.validate_on_submit():
        return _manage_page(workshop, paper_form=form)
    theme = queries.theme_in_workshop(workshop, form.theme.data)
    try:
        operations.add_paper_note(current_user, workshop, form.text.data, current_language(), theme)
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
        return _manage_page(workshop, paper_form=form)
    db.session.commit()
    flash(_("The note is on the board."), "success")
    return _manage(workshop, "paper-note")


@blueprint.post("/workshops/<int:workshop_id>/session/themes")
@staff_required(is_coordinator)
def create_theme(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    form = forms.ThemeForm()
    if not form.validate_on_submit():
        return _manage_page(workshop, theme_form=form)
    try:
        operations.create_theme(current_user, workshop, form.title.data)
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
        return _manage(workshop)
    db.session.commit()
    flash(_("Theme “%(title)s” added.", title=form.title.data), "success")
    return _manage(workshop, "themes")


def _theme_change(workshop_id: int, theme_id: int, change):
    workshop = _runner_workshop(workshop_id)
    theme = queries.theme_or_404(workshop, theme_id)
    try:
        message = change(workshop, theme)
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
    else:
        if message:
            db.session.commit()
            flash(message, "success")
    return _manage(workshop, "themes")


@blueprint.post("/workshops/<int:workshop_id>/session/themes/<int:theme_id>/rename")
@staff_required(is_coordinator)
def rename_theme(workshop_id: int, theme_id: int):
    def change(workshop, theme):
        form = forms.ThemeForm()
        if not form.validate_on_submit():
            flash(form.title.errors[0] if form.title.errors else problem_message("gone"), "error")
            return None
        operations.rename_theme(current_user, workshop, theme, form.title.data)
        return _("The theme is now called “%(title)s”.", title=form.title.data)
    return _theme_change(workshop_id, theme_id, change)


@blueprint.post("/workshops/<int:workshop_id>/session/themes/<int:theme_id>/merge")
@staff_required(is_coordinator)
def merge_theme(workshop_id: int, theme_id: int):
    def change(workshop, theme):
        if not forms.ActionForm().validate_on_submit():
            return None
        target = queries.theme_in_workshop(workshop, forms.optional_id(request.form.get("into")))
        if target is None:
            raise SessionProblem("same_theme")
        title = theme.title
        operations.merge_themes(current_user, workshop, theme, target)
        return _("“%(source)s” is merged into “%(target)s”.", source=title, target=target.title)
    return _theme_change(workshop_id, theme_id, change)


def _note_change(workshop_id: int, note_id: int, change):
    workshop = _runner_workshop(workshop_id)
    note = queries.note_or_404(workshop, note_id)
    if forms.ActionForm().validate_on_submit():
        try:
            message = change(workshop, note)
        except SessionProblem as problem:
            db.session.rollback()
            flash(problem_message(problem.reason), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return _manage(workshop, f"note-{note.id}")


@blueprint.post("/workshops/<int:workshop_id>/session/notes/<int:note_id>/move")
@staff_required(is_coordinator)
def move_note(workshop_id: int, note_id: int):
    def change(workshop, note):
        chosen = forms.optional_id(request.form.get("theme"))
        theme = queries.theme_in_workshop(workshop, chosen)
        if chosen is not None and theme is None:
            raise SessionProblem("gone")
        operations.move_note(current_user, workshop, note, theme)
        return (_("The note is now in “%(title)s”.", title=theme.title) if theme
                else _("The note is no longer in a theme."))
    return _note_change(workshop_id, note_id, change)


@blueprint.post("/workshops/<int:workshop_id>/session/notes/<int:note_id>/hide")
@staff_required(is_coordinator)
def hide_note(workshop_id: int, note_id: int):
    def change(workshop, note):
        reason = request.form.get("reason")
        if reason not in dict(HIDE_REASONS):
            reason = "off_topic"
        operations.hide_note(current_user, workshop, note, reason)
        return _("The note is taken off the board. Only you and other staff still see it here.")
    return _note_change(workshop_id, note_id, change)


@blueprint.post("/workshops/<int:workshop_id>/session/notes/<int:note_id>/unhide")
@staff_required(is_coordinator)
def unhide_note(workshop_id: int, note_id: int):
    def change(workshop, note):
        operations.unhide_note(current_user, workshop, note)
        return _("The note is back on the board.")
    return _note_change(workshop_id, note_id, change)


# --- the outcome ---------------------------------------------------------------------------

def _outcome_edit_page(workshop, outcome_form=None, forward_form=None):
    board = queries.board(workshop, include_hidden=True)
    ideas = queries.forwarded_ideas(workshop)
    if outcome_form is None:
        outcome_form = forms.OutcomeForm(formdata=None, summary=workshop.summary_markdown,
                                         next_steps=workshop.next_steps_markdown, board_public=workshop.board_public)
    forward_form = forward_form or forms.ForwardForm(formdata=None)
    forward_form.themes.choices = [
        (theme.id, ngettext("%(title)s (%(num)d dot)", "%(title)s (%(num)d dots)", board.theme_total(theme),
                            title=theme.title))
        for theme in board.themes_by_votes if theme.forwarded_idea_id is None]
    forward_form.notes.choices = [
        (note.id, ngettext("%(text)s (%(num)d dot)", "%(text)s (%(num)d dots)", note.dot_count, text=note.text))
        for note in sorted(board.notes, key=lambda note: -note.dot_count) if note.forwarded_idea_id is None]
    return render_template("workshops/session/outcome_edit.html", workshop=workshop, board=board, ideas=ideas,
                           outcome_form=outcome_form, forward_form=forward_form, csrf_value=generate_csrf(),
                           hide_reasons=HIDE_REASONS, idea_url=idea_url, proposal_start_url=proposal_start_url)


@blueprint.route("/workshops/<int:workshop_id>/session/outcome", methods=["GET", "POST"])
@staff_required(is_coordinator)
def edit_outcome(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    if workshop.session_state != SessionState.CLOSED:
        flash(problem_message("not_closed"), "info")
        return _manage(workshop)
    form = forms.OutcomeForm()
    if form.validate_on_submit():
        operations.save_outcome(current_user, workshop, summary=form.summary.data, next_steps=form.next_steps.data,
                                board_public=form.board_public.data)
        db.session.commit()
        flash(_("The outcome is saved."), "success")
        return redirect(url_for("workshop_session.edit_outcome", workshop_id=workshop.id))
    return _outcome_edit_page(workshop, outcome_form=form if form.is_submitted() else None)


@blueprint.post("/workshops/<int:workshop_id>/session/forward")
@staff_required(is_coordinator)
def forward(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    form = forms.ForwardForm()
    if not form.validate_on_submit():
        return _outcome_edit_page(workshop, forward_form=form)
    board = queries.board(workshop)
    themes = [theme for theme in board.themes if theme.id in set(form.themes.data)]
    notes = [note for note in board.notes if note.id in set(form.notes.data)]
    try:
        ideas = operations.forward(current_user, workshop, themes=themes, notes=notes, language=current_language())
    except SessionProblem as problem:
        db.session.rollback()
        flash(problem_message(problem.reason), "error")
        return redirect(url_for("workshop_session.edit_outcome", workshop_id=workshop.id))
    db.session.commit()
    flash(ngettext("%(num)d idea was added to the initiative.", "%(num)d ideas were added to the initiative.",
                   len(ideas)), "success")
    return redirect(url_for("workshop_session.edit_outcome", workshop_id=workshop.id, _anchor="forwarded"))


@blueprint.post("/workshops/<int:workshop_id>/session/publish")
@staff_required(is_coordinator)
def publish(workshop_id: int):
    workshop = _runner_workshop(workshop_id)
    if forms.ActionForm().validate_on_submit():
        try:
            sent = operations.publish_outcome(current_user, workshop,
                                              idea_url=lambda idea: idea_url(idea, external=True))
        except SessionProblem as problem:
            db.session.rollback()
            flash(problem_message(problem.reason), "error")
        else:
            db.session.commit()
            flash(ngettext("The outcome is public. %(num)d participant gets an email about it.",
                           "The outcome is public. %(num)d participants get an email about it.", sent), "success")
            return redirect(url_for("workshop_session.outcome", workshop_id=workshop.id))
    return redirect(url_for("workshop_session.edit_outcome", workshop_id=workshop.id))


@blueprint.get("/workshops/<int:workshop_id>/outcome")
def outcome(workshop_id: int):
    """Public once the coordinator published it; before that only for the coordinator (a preview)."""
    workshop = queries.workshop_or_404(workshop_id)
    preview = not access.outcome_is_public(workshop)
    if preview and not access.runs_workshop(current_user, workshop):
        abort(404)
    board = queries.board(workshop)
    return render_template("workshops/session/outcome.html", workshop=workshop, board=board, preview=preview,
                           ideas=queries.public_forwarded_ideas(workshop), idea_url=idea_url)
