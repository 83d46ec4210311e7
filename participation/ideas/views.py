"""Ideas: writing, reading, supporting and listing them.

Thin views in one order: load (404) → authorise (403) → validate → operation
→ commit → flash → redirect.
"""
import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from participation.accounts.privacy import register_export_section
from participation.core.pagination import page_number
from participation.core.permissions import (
    can_edit_idea,
    can_support_idea,
    can_translate_idea,
    can_withdraw_idea,
    participation_required,
    staff_required,
)
from participation.core.rate_limits import per_account
from participation.core.redirects import safe_next_url
from participation.core.translated import localized_text
from participation.extensions import db, limiter
from participation.i18n import current_language
from participation.ideas import forms, operations, photos, queries
from participation.ideas.models import Idea, IdeaStatus
from participation.programme import queries as programme_queries
from participation.programme.models import Neighbourhood

blueprint = Blueprint("ideas", __name__)

KEPT_PHOTO_SALT = "idea-kept-photo"
KEPT_PHOTO_MAX_AGE = 24 * 3600

# What the author (and staff) read about the state of an idea.
STATUS_LABELS = {
    IdeaStatus.DRAFT: _l("Draft: not sent yet"),
    IdeaStatus.PENDING: _l("Waiting for review"),
    IdeaStatus.PUBLISHED: _l("Published"),
    IdeaStatus.RETURNED: _l("Returned with a reason"),
    IdeaStatus.REJECTED: _l("Rejected"),
    IdeaStatus.HIDDEN: _l("Hidden"),
    IdeaStatus.WITHDRAWN: _l("Withdrawn"),
}


def _submit_limit() -> str:
    return current_app.config["IDEA_SUBMIT_RATE_LIMIT"]


def _support_limit() -> str:
    return current_app.config["IDEA_SUPPORT_RATE_LIMIT"]


@blueprint.app_template_global()
def idea_status_label(idea: Idea) -> str:
    return str(STATUS_LABELS[idea.status])


@blueprint.app_template_global()
def idea_photo_alt(idea: Idea) -> str:
    return idea.photo_alt or _("Photo with the idea: %(title)s", title=idea.title)


@blueprint.app_template_global()
def recent_initiative_ideas(initiative, limit: int = 5) -> tuple[list[Idea], int]:
    """(the newest ideas the reader may see for the initiative, how many in all), for
    templates/ideas/_initiative_ideas.html on the initiative page. One query."""
    return queries.recent_for_initiative(initiative.id, current_user, limit)


# --- helpers ------------------------------------------------------------------------

def _with_choices(form: forms.IdeaForm) -> forms.IdeaForm:
    form.set_choices(queries.initiatives_for_form(), programme_queries.municipalities_with_neighbourhoods(),
                     localized_text)
    return form


def _chosen(form: forms.IdeaForm):
    initiative = form.initiatives_by_id[form.initiative.data]
    neighbourhood = db.session.get(Neighbourhood, form.neighbourhood.data) if form.neighbourhood.data else None
    return initiative, neighbourhood


def _photo_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=KEPT_PHOTO_SALT)


def _keep_photo(form: forms.IdeaForm) -> None:
    """The form goes back with problems, but its photo was fine: store it and
    carry a signed reference, so a phone need not send the photo again."""
    if form.processed_photo is None or form.photo.errors:
        return
    name = photos.store(form.processed_photo)
    filename = (getattr(form.photo.data, "filename", "") or "")[-80:]
    form.kept_photo.data = _photo_serializer().dumps({"name": name, "user": current_user.id, "filename": filename})


def kept_photo(form: forms.IdeaForm) -> dict | None:
    """The photo kept from an earlier attempt ({"name", "filename"}), if the reference is genuine and ours."""
    token = form.kept_photo.data
    if not token:
        return None
    try:
        data = _photo_serializer().loads(token, max_age=KEPT_PHOTO_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != current_user.id:
        return None
    path = photos.path_for(data.get("name", ""))
    return data if path is not None and path.is_file() else None


def _photo_input(form: forms.IdeaForm):
    if form.processed_photo is not None:
        return form.processed_photo
    kept = None if form.remove_photo.data else kept_photo(form)
    return kept["name"] if kept else None


def _back_to(idea: Idea) -> str:
    return safe_next_url(request.form.get("next")) or url_for("ideas.idea", idea_id=idea.id, _anchor="support")


# --- writing ---------------------------------------------------------------------------

@blueprint.route("/ideas/new", methods=["GET", "POST"])
@participation_required
@limiter.limit(_submit_limit, key_func=per_account, methods=["POST"])
def new():
    form = _with_choices(forms.NewIdeaForm())
    if request.method == "GET":
        form.language.data = current_language()
        initiative = queries.initiative_by_slug(request.args.get("initiative", type=str))
        if initiative is not None:
            form.initiative.data = initiative.id
    if form.validate_on_submit():
        initiative, neighbourhood = _chosen(form)
        send = request.form.get("action") != "draft"
        idea, created = operations.create_idea(
            current_user, initiative, title=form.title.data, text=form.text.data, language=form.language.data,
            neighbourhood=neighbourhood, photo=_photo_input(form), photo_alt=form.photo_alt.data, send=send)
        db.session.commit()
        if not created:
            flash(_("You already sent this idea. Here it is."), "info")
        elif idea.status == IdeaStatus.PUBLISHED:
            flash(_("Thank you! Your idea is published."), "success")
        elif idea.status == IdeaStatus.PENDING:
            flash(_("Thank you! A moderator checks your idea before everyone can see it. "
                    "You can follow its status on this page and under “My ideas”."), "success")
        else:
            flash(_("Your draft is saved. Only you can see it until you send it."), "success")
        return redirect(url_for("ideas.idea", idea_id=idea.id))
    if request.method == "POST":
        _keep_photo(form)
    return render_template("ideas/form.html", form=form, idea=None, kept=kept_photo(form))


@blueprint.route("/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@participation_required
def edit(idea_id: int):
    idea = queries.own_idea_or_404(idea_id, current_user)
    if not can_edit_idea(current_user, idea):
        flash(_("This idea can no longer be changed."), "info")
        return redirect(url_for("ideas.idea", idea_id=idea.id))
    if request.method == "GET":
        form = forms.IdeaForm(data={
            "initiative": idea.initiative_id, "neighbourhood": idea.neighbourhood_id, "title": idea.title,
            "text": idea.body_markdown, "language": idea.language, "photo_alt": idea.photo_alt})
    else:
        form = forms.IdeaForm()
    _with_choices(form)
    if form.validate_on_submit():
        initiative, neighbourhood = _chosen(form)
        operations.update_idea(
            idea, current_user, initiative=initiative, title=form.title.data, text=form.text.data,
            language=form.language.data, neighbourhood=neighbourhood, photo=_photo_input(form),
            photo_alt=form.photo_alt.data, remove_photo=form.remove_photo.data,
            send=request.form.get("action") == "send")
        db.session.commit()
        if idea.status == IdeaStatus.PUBLISHED:
            flash(_("Thank you! Your idea is published."), "success")
        elif idea.status == IdeaStatus.PENDING:
            flash(_("Your changes are saved. A moderator checks your idea before everyone can see it."), "success")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(url_for("ideas.idea", idea_id=idea.id))
    if request.method == "POST":
        _keep_photo(form)
    return render_template("ideas/form.html", form=form, idea=idea, kept=kept_photo(form))


@blueprint.route("/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(idea_id: int):
    idea = queries.own_idea_or_404(idea_id, current_user)
    if not can_withdraw_idea(current_user, idea):
        flash(_("This idea cannot be withdrawn."), "info")
        return redirect(url_for("ideas.idea", idea_id=idea.id))
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        operations.withdraw_idea(idea, current_user)
        db.session.commit()
        flash(_("Your idea is withdrawn."), "success")
        return redirect(url_for("ideas.idea", idea_id=idea.id))
    return render_template("ideas/withdraw.html", idea=idea, form=form)


# --- support ------------------------------------------------------------------------------

@blueprint.post("/ideas/<int:idea_id>/support")
@participation_required
@limiter.limit(_support_limit, key_func=per_account)
def support(idea_id: int):
    idea = queries.idea_or_404(idea_id, current_user)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    if not can_support_idea(current_user, idea):
        flash(_("This idea can no longer be supported."), "info")
        return redirect(_back_to(idea))
    if operations.add_support(idea, current_user):
        db.session.commit()
        flash(_("Thank you for your support."), "success")
    return redirect(_back_to(idea))


@blueprint.post("/ideas/<int:idea_id>/support/remove")
@participation_required
@limiter.limit(_support_limit, key_func=per_account)
def remove_support(idea_id: int):
    idea = queries.idea_or_404(idea_id, current_user)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    if operations.remove_support(idea, current_user):
        db.session.commit()
        flash(_("You no longer support this idea."), "success")
    return redirect(_back_to(idea))


# --- reading --------------------------------------------------------------------------------

@blueprint.get("/ideas/<int:idea_id>")
def idea(idea_id: int):
    idea = queries.idea_for_page_or_404(idea_id, current_user)
    translations = {translation.language: translation for translation in idea.translations}
    version = request.args.get("version", type=str)
    if version not in translations and version != "original":
        version = current_language() if current_language() in translations else "original"
    return render_template(
        "ideas/idea.html", idea=idea, translations=translations, shown=translations.get(version),
        supported=queries.supports(current_user, idea), form=forms.ConfirmForm())


@blueprint.get("/ideas/photos/<name>")
def photo(name: str):
    path = photos.path_for(name)
    if path is None:
        abort(404)
    public = queries.photo_is_visible(name, current_user)
    if public is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=photos.CONTENT_TYPES[name.rsplit(".", 1)[1]], conditional=True,
                         etag=True, max_age=0)
    # The name is random and never reused: public photos may be kept for a year.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if public else "private, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f"inline; filename={name}"
    return response


def _list_page(template: str, *, initiative=None, neighbourhood=None, groups=(), **context):
    neighbourhood_ids = [n.id for _, places in groups for n in places]
    parameters = queries.list_parameters(request.args, neighbourhood_ids, page_number(request.args.get("page")))
    page = queries.list_ideas(current_user, parameters, initiative_id=initiative.id if initiative else None,
                              neighbourhood_id=neighbourhood.id if neighbourhood else None)
    return render_template(
        template, page=page, parameters=parameters, initiative=initiative, neighbourhood=neighbourhood,
        groups=groups, supported=queries.supported_ids(current_user, [i.id for i in page.items]),
        form=forms.ConfirmForm(), sorts=SORT_LABELS, statuses=STATUS_FILTER_LABELS, **context)


SORT_LABELS = {"newest": _l("Newest first"), "supported": _l("Most supported"), "discussed": _l("Most discussed")}
STATUS_FILTER_LABELS = {"": _l("All ideas"), "published": _l("Open ideas"), "withdrawn": _l("Withdrawn ideas")}


@blueprint.get("/initiatives/<slug:slug>/ideas")
def initiative_ideas(slug: str):
    initiative = queries.initiative_for_ideas_or_404(slug)
    if initiative.municipalities:
        groups = [(m, m.neighbourhoods) for m in initiative.municipalities]
    else:
        groups = [(m, m.neighbourhoods) for m in programme_queries.municipalities_with_neighbourhoods()]
    return _list_page("ideas/list.html", initiative=initiative, groups=groups)


@blueprint.get("/places/<slug:municipality>/<slug:neighbourhood>/ideas")
def neighbourhood_ideas(municipality: str, neighbourhood: str):
    place = queries.neighbourhood_or_404(municipality, neighbourhood)
    return _list_page("ideas/list.html", neighbourhood=place)


@blueprint.get("/my/ideas")
@login_required
def mine():
    page = queries.ideas_of(current_user, page_number(request.args.get("page")))
    return render_template("ideas/mine.html", page=page)


# --- translations (staff) ----------------------------------------------------------------------

@blueprint.route("/ideas/<int:idea_id>/translate", methods=["GET", "POST"])
@staff_required()
def translate(idea_id: int):
    idea = queries.idea_for_page_or_404(idea_id, current_user)
    if not can_translate_idea(current_user, idea):
        abort(404)
    form = forms.TranslationForm()
    form.set_languages(idea.language)
    existing = {translation.language: translation for translation in idea.translations}
    if request.method == "GET":
        language = request.args.get("language", type=str)
        if language not in dict(form.language.choices):
            language = current_language() if current_language() != idea.language else form.language.choices[0][0]
        form.language.data = language
        if language in existing:
            form.title.data, form.text.data = existing[language].title, existing[language].body_markdown
    if form.validate_on_submit():
        operations.save_translation(idea, current_user, language=form.language.data,
                                    title=form.title.data, text=form.text.data)
        db.session.commit()
        flash(_("The translation is saved."), "success")
        return redirect(url_for("ideas.idea", idea_id=idea.id, version=form.language.data))
    return render_template("ideas/translate.html", idea=idea, form=form, existing=existing)


# --- personal data download ------------------------------------------------------------------------

@register_export_section("ideas")
def _ideas_of(user) -> list[dict]:
    ideas = db.session.scalars(db.select(Idea).where(Idea.author_id == user.id).order_by(Idea.id))
    return [{"id": idea.id, "title": idea.title, "text": idea.body_markdown, "language": idea.language,
             "status": idea.status, "created_at": idea.created_at, "submitted_at": idea.submitted_at,
             "withdrawn_at": idea.withdrawn_at, "has_photo": idea.photo is not None} for idea in ideas]


@register_export_section("supported_ideas")
def _supports_of(user) -> list[dict]:
    from participation.ideas.models import Support

    rows = db.session.execute(db.select(Support.idea_id, Support.created_at).where(Support.user_id == user.id)
                              .order_by(Support.created_at))
    return [{"idea_id": idea_id, "supported_at": created_at} for idea_id, created_at in rows]


# --- command line -----------------------------------------------------------------------------------

@blueprint.cli.command("remove-unused-photos")
@click.option("--hours", default=24, show_default=True, help="Only photos older than this.")
def remove_unused_photos(hours: int):
    """Delete stored photos that no idea uses (run daily from cron)."""
    removed = photos.remove_unused(hours * 3600)
    click.echo(f"Removed {removed} unused photo(s).")

