"""Pages for one's own data: download it, delete the account (AVG/GDPR).
The rules (what is exported, what is erased) live in accounts/privacy.py."""
import json

from flask import Blueprint, Response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required, logout_user

from participation.accounts import forms, privacy
from participation.accounts.passwords import verify_password
from participation.core.rate_limits import per_account
from participation.core.types import utcnow
from participation.extensions import db, limiter
from participation.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY

blueprint = Blueprint("privacy", __name__)

# Set in the session once the account is deleted, for the confirmation page.
DELETED_KEY = "account_deleted"


@blueprint.get("/account/data")
@login_required
def data():
    return render_template("accounts/data.html")


@blueprint.get("/account/data/download")
@login_required
@limiter.limit("20 per hour", key_func=per_account)
def download():
    """A GET changes nothing, but must not be cached anywhere: it is all about one person."""
    body = json.dumps(privacy.export_personal_data(current_user), default=privacy.json_default,
                      ensure_ascii=False, indent=2)
    filename = f"meedoen-data-{to_user_timezone(utcnow()).date().isoformat()}.json"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@blueprint.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"], key_func=per_account)
def delete_account():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append(_("This password is not right. Nothing has been deleted."))
        else:
            privacy.delete_account(current_user)
            db.session.commit()
            language = session.get(LANGUAGE_SESSION_KEY)
            logout_user()
            session.clear()
            if language:
                session[LANGUAGE_SESSION_KEY] = language
            session[DELETED_KEY] = True
            return redirect(url_for("privacy.account_deleted"))
    return render_template("accounts/delete_account.html", form=form)


@blueprint.get("/account/deleted")
def account_deleted():
    if not session.pop(DELETED_KEY, False):
        return redirect(url_for("site.home"))
    return render_template("accounts/account_deleted.html")
