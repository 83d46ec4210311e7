"""Discussions on ideas and proposals: commenting, replying, editing, deleting,
and reporting content (ideas, proposals and comments)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation.accounts.forms import ConfirmForm
from participation.comments import forms, operations, queries
from participation.comments.labels import hidden_reason_label
from participation.comments.links import comment_url, target_url
from participation.comments.models import EDIT_WINDOW_MINUTES, ContentKind
from participation.core.permissions import (
    can_delete_comment,
    can_edit_comment,
    can_report,
    discussion_is_open,
    participation_required,
)
from participation.core.rate_limits import per_account
from participation.extensions import db, limiter
from participation.i18n import current_language

blueprint = Blueprint("comments", __name__)

# Posting (reactions, replies and edits together), per account.
DEFAULT_COMMENT_LIMIT = "6 per minute;60 per day"
REPORT_LIMIT = "20 per hour"


def _comment_limit() -> str:
    return current_app.config.get("COMMENT_RATE_LIMIT", DEFAULT_COMMENT_LIMIT)


posting_limit = limiter.shared_limit(_comment_limit, scope="comments", key_func=per_account, methods=["POST"])


# --- helpers for templates (the discussion partial on idea and proposal pages) ---

@blueprint.app_template_global()
def load_discussion(kind: str, target):
    """The discussion data for `templates/comments/_discussion.html`, read from
    the current page's ?sort= and ?page= (for pages whose view does not pass it)."""
    return queries.discussion(kind, target, request.args.get("sort"), request.args.get("page"))


@blueprint.app_template_global()
def new_comment_form():
    form = forms.CommentForm(formdata=None)
    form.language.data = current_language()
    return form


blueprint.add_app_template_global(comment_url, "comment_url")
blueprint.add_app_template_global(target_url, "target_url")
blueprint.add_app_template_filter(hidden_reason_label, "hidden_reason")
blueprint.add_app_template_filter(operations.excerpt, "excerpt")


# --- reading ----------------------------------------------------------------------

def _show_discussion(kind: str, target, form):
    discussion = queries.discussion(kind, target, request.args.get("sort"), request.args.get("page"))
    return render_template("comments/discussion.html", target_kind=kind, target=target, discussion=discussion,
                           comment_form=form)


@blueprint.get("/ideas/<int:idea_id>/comments")
def idea_discussion(idea_id: int):
    return _show_discussion("idea", queries.target_or_404("idea", idea_id), new_comment_form())


@blueprint.get("/proposals/<int:proposal_id>/comments")
def proposal_discussion(proposal_id: int):
    return _show_discussion("proposal", queries.target_or_404("proposal", proposal_id), new_comment_form())


@blueprint.get("/comments/<int:comment_id>")
def permalink(comment_id: int):
    """Always leads to the comment: the right page of its discussion, at the comment."""
    return redirect(url_for_comment(queries.comment_or_404(comment_id)))


def url_for_comment(comment) -> str:
    page = queries.page_of(comment)
    return comment_url(comment, page=page if page > 1 else None)


# --- posting ----------------------------------------------------------------------

def _post(kind: str, target_id: int):
    target = queries.target_or_404(kind, target_id)
    if not discussion_is_open(target):
        abort(403)
    form = forms.CommentForm()
    if not form.validate_on_submit():
        # Shown again with what was typed and what is wrong.
        return _show_discussion(kind, target, form)
    comment = operations.post_comment(current_user, target, form.body.data, form.language.data)
    db.session.commit()
    flash(_("Thank you, your comment is posted."), "success")
    return redirect(url_for_comment(comment))


@blueprint.post("/ideas/<int:idea_id>/comments")
@participation_required
@posting_limit
def comment_on_idea(idea_id: int):
    return _post("idea", idea_id)


@blueprint.post("/proposals/<int:proposal_id>/comments")
@participation_required
@posting_limit
def comment_on_proposal(proposal_id: int):
    return _post("proposal", proposal_id)


@blueprint.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@participation_required
@posting_limit
def reply(comment_id: int):
    comment = queries.comment_or_404(comment_id)
    target = queries.comment_target(comment)
    if not (comment.is_visible and discussion_is_open(target)):
        abort(403)
    form = forms.CommentForm()
    form.set_default_language(current_language())
    if form.validate_on_submit():
        new = operations.post_comment(current_user, target, form.body.data, form.language.data, reply_to=comment)
        db.session.commit()
        flash(_("Thank you, your reply is posted."), "success")
        return redirect(url_for_comment(new))
    return render_template("comments/reply.html", comment=comment, target=target, form=form)


@blueprint.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@participation_required
@posting_limit
def edit(comment_id: int):
    comment = queries.comment_or_404(comment_id)
    target = queries.comment_target(comment)
    if comment.author_id != current_user.id or not comment.is_visible:
        abort(403)
    form = forms.CommentForm(data={"body": comment.body_markdown, "language": comment.language})
    if not (can_edit_comment(current_user, comment) and discussion_is_open(target)):
        if request.method == "GET":
            flash(_("You can change a comment only in the first %(minutes)s minutes, while the discussion is open.",
                    minutes=EDIT_WINDOW_MINUTES), "error")
            return redirect(url_for_comment(comment))
        # Too late now: say so, and show what was typed so it is not lost.
        return render_template("comments/edit.html", comment=comment, target=target, form=form,
                               edit_minutes=EDIT_WINDOW_MINUTES, too_late=True)
    if form.validate_on_submit():
        try:
            operations.edit_comment(comment, form.body.data, form.language.data)
        except operations.CommentGone:
            db.session.rollback()
            abort(403)
        db.session.commit()
        flash(_("Your comment is changed."), "success")
        return redirect(url_for_comment(comment))
    return render_template("comments/edit.html", comment=comment, target=target, form=form,
                           edit_minutes=EDIT_WINDOW_MINUTES)


@blueprint.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(comment_id: int):
    comment = queries.comment_or_404(comment_id)
    if not can_delete_comment(current_user, comment):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        back = url_for_comment(comment)
        operations.delete_comment(comment)
        db.session.commit()
        flash(_("Your comment is deleted."), "success")
        return redirect(back)
    return render_template("comments/delete.html", comment=comment, target=queries.comment_target(comment),
                           form=form)


# --- reporting --------------------------------------------------------------------

def _reportable_or_404(kind: str, content_id: int):
    """(what is reported, its author's id, a short description, where it is)."""
    if kind in ("idea", "proposal"):
        target = queries.target_or_404(kind, content_id)
        author_id = target.author_id if kind == "idea" else target.created_by_id
        return target, author_id, target.title, target_url(kind, target.id)
    if kind == "comment":
        comment = queries.comment_or_404(content_id)
        if not comment.is_visible:
            abort(404)
        return comment, comment.author_id, operations.excerpt(comment.body_markdown, 200), url_for_comment(comment)
    abort(404)


@blueprint.route("/report/<kind>/<int:content_id>", methods=["GET", "POST"])
@participation_required
@limiter.limit(REPORT_LIMIT, key_func=per_account, methods=["POST"])
def report(kind: str, content_id: int):
    content, author_id, description, back = _reportable_or_404(kind, content_id)
    if not can_report(current_user, author_id):
        abort(403)
    if queries.has_reported(current_user, kind, content_id):
        return render_template("comments/already_reported.html", kind=kind, description=description, back=back)
    form = forms.ReportForm()
    if form.validate_on_submit():
        try:
            operations.report_content(current_user, ContentKind(kind), content_id, form.category.data, form.text.data)
        except operations.AlreadyReported:
            db.session.rollback()
            flash(_("You already reported this. Thank you."), "info")
            return redirect(back)
        db.session.commit()
        flash(_("Thank you for your report. A moderator will look at it."), "success")
        return redirect(back)
    return render_template("comments/report.html", kind=kind, content=content, description=description,
                           back=back, form=form)
