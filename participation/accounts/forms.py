"""Forms for signing up, signing in and managing one's account."""
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from participation.accounts.passwords import MAX_LENGTH, password_problem
from participation.core.forms import BaseForm, HumanCheckForm, normalize_one_line
from participation.i18n import LANGUAGES

EMAIL_MAX = 254
NAME_MIN, NAME_MAX = 2, 50


class ValidEmail:
    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address in the right format, like name@example.com"))


class StrongPassword:
    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


def email_field(label=_l("Email address")):
    return EmailField(label, validators=[
        InputRequired(_l("Enter your email address")),
        Length(max=EMAIL_MAX, message=_l("Your email address can be at most %(max)s characters long", max=EMAIL_MAX)),
        ValidEmail(),
    ])


def display_name_field():
    return StringField(_l("Public name"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Enter the name others will see")),
        Length(min=NAME_MIN, max=NAME_MAX,
               message=_l("Your public name must be between %(min)s and %(max)s characters", min=NAME_MIN, max=NAME_MAX)),
    ])


def new_password_field(label=_l("Password")):
    return PasswordField(label, validators=[InputRequired(_l("Enter a password")), StrongPassword()])


def language_field():
    return SelectField(_l("Language"), choices=list(LANGUAGES.items()),
                       validators=[InputRequired(_l("Choose a language"))])


def optional_id(value):
    """'' (nothing chosen) → None; a number → int; anything else stays invalid."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class PlaceFields:
    """Municipality and neighbourhood, both optional. Choices are filled in by
    the view from the catalogue (grouped per country / municipality)."""

    municipality = SelectField(_l("Municipality"), coerce=optional_id, validate_choice=True)
    neighbourhood = SelectField(_l("Neighbourhood"), coerce=optional_id, validate_choice=True)

    def validate_neighbourhood(self, field):
        if field.data and self.municipality.data:
            if self.neighbourhood_municipality.get(field.data) != self.municipality.data:
                raise ValidationError(_l("This neighbourhood is not in the municipality you chose"))

    def set_place_choices(self, municipalities, language_text):
        """`municipalities`: catalogue rows with their neighbourhoods loaded."""
        none = [("", _l("Not chosen"))]
        self.municipality.choices = none + [(m.id, language_text(m.name)) for m in municipalities]
        self.neighbourhood.choices = {"": none} | {
            language_text(m.name): [(n.id, n.name) for n in m.neighbourhoods] for m in municipalities if m.neighbourhoods
        }
        self.neighbourhood_municipality = {n.id: m.id for m in municipalities for n in m.neighbourhoods}

    def chosen_place(self) -> tuple[int | None, int | None]:
        """(municipality id, neighbourhood id); the municipality follows from the neighbourhood."""
        neighbourhood_id = self.neighbourhood.data or None
        municipality_id = self.municipality.data or self.neighbourhood_municipality.get(neighbourhood_id)
        return municipality_id, neighbourhood_id


class RegistrationForm(PlaceFields, HumanCheckForm):
    email = email_field()
    display_name = display_name_field()
    password = new_password_field()
    language = language_field()
    consent = BooleanField(_l("I agree to the privacy statement"),
                           validators=[InputRequired(_l("You need to agree to the privacy statement to sign up"))])


class SignInForm(BaseForm):
    email = EmailField(_l("Email address"), validators=[
        InputRequired(_l("Enter your email address")), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password")), Length(max=MAX_LENGTH)])


class ForgotPasswordForm(HumanCheckForm):
    email = email_field()


class ResetPasswordForm(BaseForm):
    password = new_password_field(_l("New password"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[
        InputRequired(_l("Enter your current password")), Length(max=MAX_LENGTH)])
    password = new_password_field(_l("New password"))


class ChangeEmailForm(BaseForm):
    email = email_field(_l("New email address"))
    current_password = PasswordField(_l("Current password"), validators=[
        InputRequired(_l("Enter your current password")), Length(max=MAX_LENGTH)])


class ProfileForm(PlaceFields, BaseForm):
    display_name = display_name_field()
    language = language_field()
    notify_replies = BooleanField(_l("Someone replies to me"))
    notify_status_changes = BooleanField(_l("Something I follow changes status"))
    notify_moderation = BooleanField(_l("A moderator decides about my contribution"))
    notify_workshops = BooleanField(_l("News about workshops I signed up for"))


class ConfirmForm(BaseForm):
    """A form with only the CSRF token: for one-button actions."""


# --- two-factor sign-in ----------------------------------------------------------

def without_spaces(value):
    """People type codes as "123 456" or copy "ABCDE-FGHJK": keep only what counts."""
    if value is None:
        return value
    return "".join(value.split()).replace("-", "")


class TwoFactorCodeForm(BaseForm):
    """The 6-digit code from the authenticator app."""

    code = StringField(_l("Code"), filters=[without_spaces], validators=[
        InputRequired(_l("Enter the 6-digit code from your authenticator app")),
        Regexp(r"^[0-9]{6}$", message=_l("The code has 6 digits, like 123456")),
    ])


class RecoveryCodeForm(BaseForm):
    code = StringField(_l("Recovery code"), filters=[without_spaces], validators=[
        InputRequired(_l("Enter one of your recovery codes")), Length(max=40),
    ])


class PasswordCheckForm(BaseForm):
    """Asks the password again before a change to how one signs in."""

    current_password = PasswordField(_l("Your password"), validators=[
        InputRequired(_l("Enter your password")), Length(max=MAX_LENGTH)])


class DeleteAccountForm(BaseForm):
    password = PasswordField(_l("Your password"), validators=[
        InputRequired(_l("Enter your password")), Length(max=MAX_LENGTH)])
