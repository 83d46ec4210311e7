"""The staff page (admins): people and their roles, search, invitations; and
the invitation link that lets an invited person choose a name and password."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.exc import IntegrityError

from participation.accounts import operations as accounts
from participation.accounts.forms import ConfirmForm
from participation.accounts.queries import user_by_email
from participation.accounts.tokens import TokenError
from participation.accounts.views import sign_in_as
from participation.core.permissions import is_admin, staff_required
from participation.core.rate_limits import per_account
from participation.core.translated import localized_text
from participation.extensions import db, limiter
from participation.programme import queries as programme_queries
from participation.staff import forms, operations, queries

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


@blueprint.context_processor
def role_labels():
    return {"ROLE_LABELS": operations.ROLE_LABELS, "ROLE_HINTS": forms.ROLE_HINTS,
            "invitation_pending": operations.invitation_pending}


def _with_scope_choices(form):
    form.set_scope_choices(programme_queries.municipalities_with_neighbourhoods(), localized_text)
    return form


@blueprint.get("")
@staff_required(is_admin)
def index():
    search_form = forms.SearchForm(formdata=request.args)
    results = None
    if search_form.q.data and search_form.validate():
        results = queries.search_people(search_form.q.data, page=request.args.get("page", 1, type=int))
    return render_template("staff/index.html", people=queries.staff_people(), search_form=search_form,
                           results=results)


@blueprint.route("/people/<int:person_id>", methods=["GET", "POST"])
@staff_required(is_admin)
def person(person_id: int):
    person = queries.person_or_404(person_id)
    form = _with_scope_choices(forms.RoleForm())
    if request.method == "GET":
        form.role.data = person.role.value
        form.set_scopes(person)
    if form.validate_on_submit():
        try:
            changed = operations.set_role(current_user, person, form.role.data, form.chosen_scopes())
        except operations.RoleChangeRefused as refused:
            db.session.rollback()
            for name, message in refused.problems.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            if changed:
                flash(_("The role of %(name)s is saved.", name=person.display_name or person.email), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("staff.index"))
    return render_template("staff/person.html", person=person, form=form, resend_form=ConfirmForm())


@blueprint.post("/people/<int:person_id>/invitation")
@staff_required(is_admin)
@limiter.limit("10 per hour", key_func=per_account)
def resend_invitation(person_id: int):
    person = queries.person_or_404(person_id)
    if not operations.invitation_pending(person):
        flash(_("%(name)s has already accepted the invitation.", name=person.display_name or person.email), "info")
    elif ConfirmForm().validate_on_submit():
        operations.send_invitation(current_user, person)
        db.session.commit()
        flash(_("We sent the invitation to %(email)s again.", email=person.email), "success")
    return redirect(url_for("staff.person", person_id=person.id))


@blueprint.route("/invite", methods=["GET", "POST"])
@staff_required(is_admin)
@limiter.limit("30 per hour", methods=["POST"], key_func=per_account)
def invite():
    form = _with_scope_choices(forms.InviteForm())
    existing = None
    if form.validate_on_submit():
        try:
            person = operations.invite(current_user, email=form.email.data, role=form.role.data,
                                       scopes=form.chosen_scopes(), language=form.language.data)
            db.session.commit()
        except operations.EmailTaken as taken:
            db.session.rollback()
            existing = taken.person
        except IntegrityError:  # the same address was added a moment ago
            db.session.rollback()
            existing = user_by_email(accounts.normalize_email(form.email.data))
        else:
            flash(_("We sent an invitation to %(email)s. The link in it works for 7 days.", email=person.email),
                  "success")
            return redirect(url_for("staff.index"))
        if existing is not None:
            form.email.errors.append(_("There is already an account with this email address. "
                                       "Change the role of that person instead."))
    return render_template("staff/invite.html", form=form, existing=existing)


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def accept_invitation(token: str):
    """Open to everyone: the signed link is the proof. It works once, for 7 days."""
    form = forms.AcceptInvitationForm()
    try:
        person = operations.check_invitation(token)
        if form.validate_on_submit():
            operations.accept_invitation(token, display_name=form.display_name.data, password=form.password.data)
            if current_user.is_authenticated:  # someone else was signed in on this browser
                accounts.end_login_session(current_user.login_session_token)
                logout_user()
            sign_in_as(person)
            db.session.commit()
            flash(_("Welcome, %(name)s! One more step: set up two-factor sign-in.", name=person.display_name),
                  "success")
            return redirect(url_for("two_factor.setup"))
    except TokenError as error:
        db.session.rollback()
        return render_template("accounts/token_problem.html", reason=error.reason, purpose="staff-invitation"), 400
    return render_template("staff/accept_invitation.html", form=form, person=person)
