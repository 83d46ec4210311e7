"""Form building blocks shared by every feature.

Every form renders through templates/_macros/forms.html (label above the
field, hint, error message, error summary). Text is cleaned the same way
everywhere: Unicode normalised to NFC, outer whitespace stripped, control
characters refused (a NUL byte cannot be stored in PostgreSQL at all).
"""
import time
import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import ValidationError

CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def normalize_text(value):
    if value is None:
        return value
    return unicodedata.normalize("NFC", value).strip()


def normalize_one_line(value):
    """NFC, stripped, and runs of whitespace collapsed to one space (names, titles)."""
    if value is None:
        return value
    return " ".join(unicodedata.normalize("NFC", value).split())


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) in CONTROL_CATEGORIES and char not in ALLOWED_CONTROLS for char in value)


class NoControlCharacters:
    """Refuses invisible control characters (NUL, bidi overrides, …)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data):
            raise ValidationError(self.message or _l("Remove the invisible or special characters from this field."))


class BaseForm(FlaskForm):
    """Cleans every text field and refuses control characters in all of them."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                filters = list(unbound_field.kwargs.get("filters", ()))
                # Passwords are taken exactly as typed; all other text is cleaned.
                cleaning = not issubclass(unbound_field.field_class, PasswordField)
                if cleaning and not any(f in (normalize_text, normalize_one_line) for f in filters):
                    filters.insert(0, normalize_text)
                options["filters"] = filters
                validators = list(unbound_field.kwargs.get("validators", ()))
                options["validators"] = [NoControlCharacters(), *validators]
            return unbound_field.bind(form=form, **options)


class HumanCheckForm(BaseForm):
    """Stops simple bots without a third-party captcha: a honeypot field that
    people never see, and a signed start time (forms filled in faster than
    FORM_MIN_FILL_SECONDS are refused)."""

    website = StringField(_l("Leave this field empty"))
    form_started = HiddenField()

    SALT = "form-started"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            self.form_started.data = self._serializer().dumps(time.time())

    @staticmethod
    def _serializer() -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=HumanCheckForm.SALT)

    def validate_website(self, field):
        if field.data:
            raise ValidationError(_l("Leave this field empty."))

    def validate_form_started(self, field):
        try:
            started = float(self._serializer().loads(field.data or ""))
        except (BadSignature, TypeError, ValueError):
            raise ValidationError(_l("Something went wrong with this form. Please reload the page and try again."))
        if time.time() - started < current_app.config["FORM_MIN_FILL_SECONDS"]:
            raise ValidationError(_l("That was very fast. Please check your answers and send the form again."))
        # Keep the original start time, so a resubmission after an error is not "too fast".
