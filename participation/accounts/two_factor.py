"""Two-factor sign-in with an authenticator app (TOTP): setting it up, the
second step of signing in, new recovery codes, turning it off (residents only).

Its own blueprint, registered in create_app: the accounts views import this
module only inside `sign_in()`, so nothing imports in a circle. The writes
live in accounts/operations.py.
"""
import time

import segno
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from markupsafe import Markup

from participation.accounts import forms, operations, queries
from participation.accounts.models import User
from participation.accounts.passwords import verify_password
from participation.accounts.views import sign_in_as
from participation.core.permissions import may_turn_off_two_factor
from participation.core.rate_limits import per_account
from participation.core.redirects import safe_next_url
from participation.extensions import db, limiter

blueprint = Blueprint("two_factor", __name__)

# The password was right, the code is still to come: {"uid", "at", "next"}.
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60
# A secret shown on the set-up page, not yet confirmed with a code:
# {"uid", "secret"}, plus "replace": time, when moving to another phone or app.
SETUP_KEY = "two_factor_setup"
REPLACE_SECONDS = 15 * 60


# --- rate limits -------------------------------------------------------------------
# Only refused codes count, so a person who types the right code is never held up.

def _refused() -> None:
    g.two_factor_code_refused = True


def _was_refused(response) -> bool:
    return bool(g.get("two_factor_code_refused"))


def _pending_account_key() -> str:
    pending = session.get(PENDING_KEY)
    uid = pending.get("uid") if isinstance(pending, dict) else None
    return f"two-factor:{uid}" if uid else f"two-factor-address:{get_remote_address()}"


# The second step of signing in (app code and recovery code share these): per
# account, with a daily cap so guessing a 6-digit code stays hopeless, and per address.
second_step_per_account = limiter.shared_limit(
    "10 per 15 minutes;30 per day", scope="two-factor-account", key_func=_pending_account_key,
    methods=["POST"], deduct_when=_was_refused)
second_step_per_address = limiter.shared_limit(
    "30 per 15 minutes", scope="two-factor-address", methods=["POST"], deduct_when=_was_refused)
# Codes and passwords checked for someone already signed in (set-up, new codes, turning off).
signed_in_checks = limiter.shared_limit(
    "10 per 15 minutes", scope="two-factor-signed-in", key_func=per_account, methods=["POST"],
    deduct_when=_was_refused)


# --- helpers -------------------------------------------------------------------------

def _no_store(body):
    """Secrets and recovery codes must not stay in a browser cache."""
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _code_error(reason: str) -> str:
    if reason == "used":
        return _("This code has already been used. Wait until your app shows a new code, then enter that one.")
    return _("This code is not right. Enter the code your app shows now.")


def grouped(secret: str) -> str:
    """ABCD EFGH …: easier to type over from the screen."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(uri: str) -> Markup:
    """The QR code as inline SVG, made here: no script, no outside request.
    Its markup is ours (no user input), so it can go into the page as is."""
    return Markup(segno.make(uri, micro=False).svg_inline(scale=4, dark="#000", light="#fff"))


# --- the second step of signing in ------------------------------------------------

def begin_second_step(user: User, next_url: str | None):
    """Called by sign_in() once the password is right: remember who, for five
    minutes, and ask for the code. Nobody is signed in yet."""
    session.pop(SETUP_KEY, None)
    session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()), "next": next_url}
    return redirect(url_for("two_factor.sign_in_code"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("uid"), int):
        return None
    if not 0 <= time.time() - pending.get("at", 0) <= PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["uid"])
    if user is None or user.is_deleted or not user.has_two_factor:
        return None
    return user


def _start_again():
    pending = session.pop(PENDING_KEY, None)
    next_url = pending.get("next") if isinstance(pending, dict) else None
    if pending:
        flash(_("Signing in took too long. For your safety, enter your email address and password again."), "info")
    return redirect(url_for("accounts.sign_in", next=next_url))


def _finish_sign_in(user: User, with_recovery_code: bool = False):
    next_url = safe_next_url(session.get(PENDING_KEY, {}).get("next"))
    sign_in_as(user)  # a new session; the pending state goes with the old one
    db.session.commit()
    flash(_("You are signed in."), "success")
    if with_recovery_code:
        left = queries.unused_recovery_codes(user)
        flash(ngettext("You signed in with a recovery code. It cannot be used again. You have %(num)d recovery code left.",
                       "You signed in with a recovery code. It cannot be used again. You have %(num)d recovery codes left.",
                       left), "info")
        return redirect(url_for("two_factor.setup"))
    return redirect(next_url or url_for("site.home"))


@blueprint.route("/signin/code", methods=["GET", "POST"])
@second_step_per_account
@second_step_per_address
def sign_in_code():
    user = _pending_user()
    if user is None:
        return _start_again()
    form = forms.TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            operations.use_totp_code(user, form.code.data)
        except operations.CodeProblem as problem:
            _refused()
            form.code.errors.append(_code_error(problem.reason))
        else:
            return _finish_sign_in(user)
    return render_template("accounts/two_factor_code.html", form=form)


@blueprint.route("/signin/recovery-code", methods=["GET", "POST"])
@second_step_per_account
@second_step_per_address
def sign_in_recovery_code():
    user = _pending_user()
    if user is None:
        return _start_again()
    form = forms.RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            operations.use_recovery_code(user, form.code.data)
        except operations.CodeProblem:
            _refused()
            form.code.errors.append(_("This recovery code is not right, or it has already been used."))
        else:
            return _finish_sign_in(user, with_recovery_code=True)
    return render_template("accounts/two_factor_recovery_code.html", form=form)


# --- setting up and managing -----------------------------------------------------

def _pending_setup() -> dict | None:
    pending = session.get(SETUP_KEY)
    if isinstance(pending, dict) and pending.get("uid") == current_user.id and pending.get("secret"):
        return pending
    return None


def _setup_secret() -> str:
    """The secret being set up, kept in the session until a code confirms it."""
    pending = _pending_setup()
    if pending:
        return pending["secret"]
    secret = operations.new_totp_secret()
    session[SETUP_KEY] = {"uid": current_user.id, "secret": secret}
    return secret


def _replacing() -> bool:
    """Someone with two-factor sign-in who confirmed their password to move to another app."""
    pending = _pending_setup()
    return bool(current_user.has_two_factor and pending and isinstance(pending.get("replace"), int)
                and 0 <= time.time() - pending["replace"] <= REPLACE_SECONDS)


def _recovery_codes_page(codes: list[str], next_url: str | None, occasion: str):
    """Shown once, as the answer to the POST that made the codes: they are
    stored nowhere in plain text, not even in the session cookie. Reloading
    resends the form, which then fails harmlessly (the code was used)."""
    return _no_store(render_template("accounts/two_factor_recovery_codes.html", codes=codes,
                                     next_url=next_url, occasion=occasion))


def _manage_page(renew_form=None, move_form=None, off_form=None):
    return render_template(
        "accounts/two_factor_manage.html",
        renew_form=renew_form or forms.TwoFactorCodeForm(prefix="renew"),
        move_form=move_form or forms.PasswordCheckForm(prefix="move"),
        off_form=off_form or forms.PasswordCheckForm(prefix="off"),
        codes_left=queries.unused_recovery_codes(current_user))


@blueprint.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@signed_in_checks
def setup():
    """Set up two-factor sign-in (or move it to another app); with it on: manage it."""
    replacing = _replacing()
    if current_user.has_two_factor and not replacing:
        if request.method == "POST":
            return redirect(url_for("two_factor.setup"))
        return _manage_page()
    next_url = safe_next_url(request.args.get("next"))
    secret = _setup_secret()
    form = forms.TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = operations.enable_two_factor(current_user, secret, form.code.data)
        except operations.CodeProblem:
            _refused()
            form.code.errors.append(_("This code is not right. Check that your app shows “Meedoen Zuid-Limburg” and enter the code it shows now."))
        else:
            db.session.commit()
            session.pop(SETUP_KEY, None)
            return _recovery_codes_page(codes, next_url, "new-app" if replacing else "turned-on")
    uri = operations.totp_uri(current_user, secret)
    return _no_store(render_template("accounts/two_factor_setup.html", form=form, secret=grouped(secret),
                                     uri=uri, qr_code=qr_code_svg(uri), replacing=replacing))


@blueprint.post("/account/two-factor/recovery-codes")
@login_required
@signed_in_checks
def new_recovery_codes():
    if not current_user.has_two_factor:
        return redirect(url_for("two_factor.setup"))
    form = forms.TwoFactorCodeForm(prefix="renew")
    if form.validate_on_submit():
        try:
            operations.use_totp_code(current_user, form.code.data)
        except operations.CodeProblem as problem:
            _refused()
            form.code.errors.append(_code_error(problem.reason))
        else:
            codes = operations.replace_recovery_codes(current_user)
            db.session.commit()
            return _recovery_codes_page(codes, None, "renewed")
    return _manage_page(renew_form=form)


@blueprint.post("/account/two-factor/new-app")
@login_required
@signed_in_checks
def new_app():
    """A new phone or app: after the password, set up again with a new secret
    (the old app keeps working until the new one is confirmed)."""
    if not current_user.has_two_factor:
        return redirect(url_for("two_factor.setup"))
    form = forms.PasswordCheckForm(prefix="move")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            _refused()
            form.current_password.errors.append(_("Your password is not right"))
        else:
            session[SETUP_KEY] = {"uid": current_user.id, "secret": operations.new_totp_secret(),
                                  "replace": int(time.time())}
            return redirect(url_for("two_factor.setup"))
    return _manage_page(move_form=form)


@blueprint.post("/account/two-factor/off")
@login_required
@signed_in_checks
def turn_off():
    if not current_user.has_two_factor:
        return redirect(url_for("two_factor.setup"))
    if not may_turn_off_two_factor(current_user):
        abort(403)
    form = forms.PasswordCheckForm(prefix="off")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            _refused()
            form.current_password.errors.append(_("Your password is not right"))
        else:
            operations.disable_two_factor(current_user)
            db.session.commit()
            flash(_("Two-factor sign-in is off. From now on you sign in with your password only."), "success")
            return redirect(url_for("accounts.profile"))
    return _manage_page(off_form=form)
