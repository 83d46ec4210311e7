"""Signing up, signing in and out, passwords, email addresses, profile."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from participation.accounts import forms, operations
from participation.accounts.models import NOTIFICATION_KINDS
from participation.accounts.passwords import verify_password
from participation.accounts.queries import user_by_email
from participation.accounts.tokens import TokenError
from participation.core.rate_limits import per_account
from participation.core.redirects import safe_next_url
from participation.core.translated import localized_text
from participation.extensions import db, limiter
from participation.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY
from participation.i18n import current_language
from participation.programme import queries as programme_queries

blueprint = Blueprint("accounts", __name__)


def _email_key() -> str:
    """Rate-limit key for sign-in per account: the normalised address typed in."""
    return "signin:" + operations.normalize_email(request.form.get("email", ""))[:254]


def _sign_in_failed(response) -> bool:
    return response.status_code != 302


def _with_place_choices(form):
    form.set_place_choices(programme_queries.municipalities_with_neighbourhoods(), localized_text)
    return form


def sign_in_as(user, remember_language: bool = True) -> None:
    """A new session on every sign-in (no session fixation), then a new
    server-side sign-in session that signing out can revoke."""
    session.clear()
    operations.start_login_session(user)
    login_user(user)
    if remember_language:
        session[LANGUAGE_SESSION_KEY] = user.language


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = _with_place_choices(forms.RegistrationForm())
    if request.method == "GET":
        form.language.data = current_language()
    if form.validate_on_submit():
        if user_by_email(operations.normalize_email(form.email.data)) is not None:
            form.email.errors.append(_("There is already an account with this email address. Sign in, or choose “Forgot your password?”."))
        else:
            municipality_id, neighbourhood_id = form.chosen_place()
            try:
                user = operations.register_resident(
                    email=form.email.data, display_name=form.display_name.data, password=form.password.data,
                    language=form.language.data, municipality_id=municipality_id, neighbourhood_id=neighbourhood_id)
                db.session.commit()
            except IntegrityError:  # the same address registered a moment ago
                db.session.rollback()
                form.email.errors.append(_("There is already an account with this email address. Sign in, or choose “Forgot your password?”."))
            else:
                sign_in_as(user)
                db.session.commit()
                return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


@blueprint.get("/register/check-email")
@login_required
def check_email():
    return render_template("accounts/check_email.html", form=forms.ConfirmForm())


@blueprint.post("/verify/resend")
@login_required
@limiter.limit("5 per hour", key_func=per_account)
def resend_verification():
    if forms.ConfirmForm().validate_on_submit() and not current_user.is_verified:
        operations.send_verification_email(current_user)
        db.session.commit()
        flash(_("We sent a new email to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.check_email"))


@blueprint.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """GET shows a button; POST confirms. Mail scanners that open links must not use them up."""
    form = forms.ConfirmForm()
    try:
        if form.validate_on_submit():
            user = operations.verify_email(token)
            db.session.commit()
            flash(_("Thank you! Your email address is confirmed."), "success")
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.sign_in"))
            return redirect(url_for("site.home"))
        operations.tokens.read_token("verify-email", token)
    except TokenError as error:
        db.session.rollback()
        return render_template("accounts/token_problem.html", reason=error.reason, purpose="verify-email"), 400
    return render_template("accounts/verify_email.html", form=form)


@blueprint.route("/signin", methods=["GET", "POST"])
# Only failed attempts count (a success redirects): sixty people signing in on
# one workshop Wi-Fi must not lock each other out, guessing must stop.
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_email_key, deduct_when=_sign_in_failed)
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_sign_in_failed)
def sign_in():
    form = forms.SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The email address or password is not right. Check them and try again."))
        else:
            next_url = safe_next_url(request.args.get("next"))
            if user.has_two_factor:
                from participation.accounts.two_factor import begin_second_step
                return begin_second_step(user, next_url)
            sign_in_as(user)
            db.session.commit()
            flash(_("You are signed in."), "success")
            return redirect(next_url or url_for("site.home"))
    return render_template("accounts/sign_in.html", form=form)


@blueprint.post("/signout")
def sign_out():
    if forms.ConfirmForm().validate_on_submit() and current_user.is_authenticated:
        operations.end_login_session(current_user.login_session_token)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("site.home"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = forms.ResetPasswordForm()
    try:
        operations.check_reset_token(token)
        if form.validate_on_submit():
            operations.reset_password(token, form.password.data)
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("accounts.sign_in"))
    except TokenError as error:
        db.session.rollback()
        return render_template("accounts/token_problem.html", reason=error.reason, purpose="reset-password"), 400
    return render_template("accounts/reset_password.html", form=form)


@blueprint.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = _with_place_choices(forms.ProfileForm(obj=current_user))
    if request.method == "GET":
        form.municipality.data = current_user.municipality_id
        form.neighbourhood.data = current_user.neighbourhood_id
        for kind in NOTIFICATION_KINDS:
            getattr(form, f"notify_{kind}").data = current_user.notifications.get(kind, True)
    if form.validate_on_submit():
        municipality_id, neighbourhood_id = form.chosen_place()
        operations.update_profile(
            current_user, display_name=form.display_name.data, language=form.language.data,
            municipality_id=municipality_id, neighbourhood_id=neighbourhood_id,
            notifications={kind: getattr(form, f"notify_{kind}").data for kind in NOTIFICATION_KINDS})
        db.session.commit()
        session[LANGUAGE_SESSION_KEY] = form.language.data
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Your current password is not right"))
        else:
            operations.change_password(current_user, form.password.data)
            db.session.commit()
            flash(_("Your password has been changed. You are signed out on all other devices."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@blueprint.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"], key_func=per_account)
def change_email():
    form = forms.ChangeEmailForm()
    if form.validate_on_submit():
        new_email = operations.normalize_email(form.email.data)
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Your current password is not right"))
        elif new_email == current_user.email:
            form.email.errors.append(_("This is already your email address"))
        elif user_by_email(new_email) is not None:
            form.email.errors.append(_("There is already an account with this email address"))
        else:
            operations.request_email_change(current_user, new_email)
            db.session.commit()
            flash(_("We sent an email to %(email)s. Open the link in it to confirm your new address.",
                    email=new_email), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form)


@blueprint.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    form = forms.ConfirmForm()
    try:
        if form.validate_on_submit():
            operations.confirm_email_change(token)
            db.session.commit()
            flash(_("Your new email address is confirmed."), "success")
            return redirect(url_for("accounts.profile") if current_user.is_authenticated else url_for("accounts.sign_in"))
        operations.tokens.read_token("change-email", token)
    except TokenError as error:
        db.session.rollback()
        return render_template("accounts/token_problem.html", reason=error.reason, purpose="change-email"), 400
    except operations.EmailTaken:
        db.session.rollback()
        flash(_("There is already an account with this email address"), "error")
        return redirect(url_for("site.home"))
    return render_template("accounts/confirm_email_change.html", form=form)
