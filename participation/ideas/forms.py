"""Forms for writing an idea, its translation, and one-tap actions."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from participation.core.forms import BaseForm, HumanCheckForm, normalize_one_line
from participation.ideas import photos
from participation.ideas.models import BODY_MAX, PHOTO_ALT_MAX, TITLE_MAX
from participation.i18n import LANGUAGES


def normalize_newlines(value):
    """Browsers send line breaks as CRLF; count (and store) them as one character."""
    if value is None:
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def optional_id(value):
    """'' → None; a number → int; anything else → -1 (never a valid choice)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def title_field():
    return StringField(_l("Title"), filters=[normalize_one_line], validators=[
        DataRequired(_l("Give your idea a title")),  # after cleaning: spaces alone are no title
        Length(max=TITLE_MAX, message=_l("The title can be at most %(max)s characters long", max=TITLE_MAX)),
    ])


def text_field(label=_l("Your idea")):
    return TextAreaField(label, filters=[normalize_newlines], validators=[
        DataRequired(_l("Describe your idea")),
        Length(max=BODY_MAX, message=_l("The text can be at most %(max)s characters long", max=BODY_MAX)),
    ])


class IdeaForm(BaseForm):
    """Writing or changing an idea. The view fills in the choices of
    initiative and neighbourhood (`set_choices`)."""

    initiative = SelectField(_l("Initiative"), coerce=optional_id, validate_choice=True,
                             validators=[InputRequired(_l("Choose the initiative your idea is for"))])
    neighbourhood = SelectField(_l("Neighbourhood"), coerce=optional_id, validate_choice=True)
    title = title_field()
    text = text_field()
    language = SelectField(_l("Language you write in"), choices=list(LANGUAGES.items()),
                           validators=[InputRequired(_l("Choose the language you write in"))])
    photo = FileField(_l("Choose a photo"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    photo_alt = StringField(_l("What is on the photo?"), filters=[normalize_one_line], validators=[
        Length(max=PHOTO_ALT_MAX, message=_l("The description can be at most %(max)s characters long",
                                              max=PHOTO_ALT_MAX))])
    # A photo that was fine when the form came back with other problems: signed, so
    # it need not be chosen again (see ideas.views).
    kept_photo = HiddenField()
    remove_photo = BooleanField(_l("Remove the photo"))

    processed_photo: photos.ProcessedPhoto | None = None

    def set_choices(self, initiatives, municipalities, language_text):
        """`initiatives` with their municipalities loaded; `municipalities` with their neighbourhoods."""
        self.initiative.choices = [("", _l("Choose an initiative"))] + [
            (initiative.id, language_text(initiative.title)) for initiative in initiatives]
        self.neighbourhood.choices = {"": [("", _l("No particular neighbourhood"))]} | {
            language_text(m.name): [(n.id, n.name) for n in m.neighbourhoods] for m in municipalities if m.neighbourhoods
        }
        self.initiatives_by_id = {initiative.id: initiative for initiative in initiatives}
        self._initiative_municipalities = {
            initiative.id: {m.id for m in initiative.municipalities} for initiative in initiatives}
        self._neighbourhood_municipality = {n.id: m.id for m in municipalities for n in m.neighbourhoods}

    def validate_neighbourhood(self, field):
        if not field.data or field.data == -1:
            return
        allowed = self._initiative_municipalities.get(self.initiative.data)
        if allowed and self._neighbourhood_municipality.get(field.data) not in allowed:
            raise ValidationError(_l("This neighbourhood is not in the area of the initiative you chose. "
                                     "Choose another neighbourhood, or none."))

    def validate_photo(self, field):
        upload = field.data
        if upload is None or not getattr(upload, "filename", None):
            return
        try:
            self.processed_photo = photos.process(upload.stream)
        except photos.PhotoError as error:
            raise ValidationError(error.message)


class NewIdeaForm(HumanCheckForm, IdeaForm):
    """A new idea: with the checks against simple bots."""


class TranslationForm(BaseForm):
    language = SelectField(_l("Language of the translation"), validators=[
        InputRequired(_l("Choose the language of the translation"))])
    title = title_field()
    text = text_field(_l("Translated text"))

    def set_languages(self, original_language: str):
        self.language.choices = [(code, name) for code, name in LANGUAGES.items() if code != original_language]


class ConfirmForm(BaseForm):
    """One-tap POST actions (support, withdraw): only the CSRF token."""
