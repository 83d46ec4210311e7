"""Forms of the live session and the outcome. Small per-note actions (dots,
move, hide) are plain POST forms in the board templates (one per note would
be heavy as WTForms objects); the view checks their values."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from participation.core.forms import BaseForm, normalize_one_line
from participation.workshops.session.operations import MAX_DOTS_PER_PERSON, NOTE_MAX

FIRST_NAME_MAX = 40
THEME_TITLE_MAX = 120
OUTCOME_MAX = 5000

# Why the coordinator took a note off the board (stored as Note.hidden_reason).
HIDE_REASONS = [
    ("personal_data", _l("It names or describes a person")),
    ("offensive", _l("It is offensive or hurtful")),
    ("off_topic", _l("It is not about this workshop")),
    ("duplicate", _l("The same note is already on the board")),
]


def normalize_newlines(value):
    """Browsers send line breaks as CRLF; count (and store) them as one character."""
    if value is None:
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n")


class NoteLength:
    """At most 280 characters; the message says how many there are now."""

    def __call__(self, form, field):
        if field.data and len(field.data) > NOTE_MAX:
            raise ValidationError(_l("A note can be at most %(max)s characters. Yours has %(count)s: make it a bit "
                                     "shorter, or split it into two notes.", max=NOTE_MAX, count=len(field.data)))


def note_field(label=_l("Your note")):
    return TextAreaField(label, filters=[normalize_newlines], validators=[
        InputRequired(_l("Write your note first")), NoteLength()])


def optional_id(value):
    """'' → None; a number → int; anything else → -1 (never a valid choice)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class JoinForm(BaseForm):
    code = StringField(_l("Code"), validators=[
        InputRequired(_l("Enter the code you see on the screen")),
        Length(max=20, message=_l("The code has 6 letters and numbers"))])
    first_name = StringField(_l("Your first name"), filters=[normalize_one_line], validators=[
        Optional(), Length(max=FIRST_NAME_MAX, message=_l("Your first name can be at most %(max)s characters long",
                                                          max=FIRST_NAME_MAX))])
    credit_by_name = BooleanField(_l("My name may be shown with my notes when they are passed on as ideas"))


class CreditForm(BaseForm):
    credit_by_name = BooleanField(_l("My name may be shown with my notes when they are passed on as ideas"))


class NoteForm(BaseForm):
    text = note_field()


class PaperNoteForm(BaseForm):
    text = note_field(_l("Note written on paper"))
    theme = SelectField(_l("Theme"), coerce=optional_id, validate_choice=False, validators=[Optional()])

    def set_theme_choices(self, themes):
        self.theme.choices = [("", _l("No theme yet"))] + [(theme.id, theme.title) for theme in themes]


class ThemeForm(BaseForm):
    title = StringField(_l("Name of the theme"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Give the theme a name")),
        Length(max=THEME_TITLE_MAX, message=_l("The name can be at most %(max)s characters long",
                                               max=THEME_TITLE_MAX))])


class DotsPerPersonForm(BaseForm):
    dots = IntegerField(_l("Dots per person"), validators=[
        InputRequired(_l("Enter a number")),
        NumberRange(min=1, max=MAX_DOTS_PER_PERSON,
                    message=_l("Choose between %(min)s and %(max)s dots", min=1, max=MAX_DOTS_PER_PERSON))])


class OutcomeForm(BaseForm):
    summary = TextAreaField(_l("What came out of the workshop"), filters=[normalize_newlines], validators=[
        InputRequired(_l("Write a short summary")),
        Length(max=OUTCOME_MAX, message=_l("The text can be at most %(max)s characters long", max=OUTCOME_MAX))])
    next_steps = TextAreaField(_l("Next steps"), filters=[normalize_newlines], validators=[
        InputRequired(_l("Write what happens next")),
        Length(max=OUTCOME_MAX, message=_l("The text can be at most %(max)s characters long", max=OUTCOME_MAX))])
    board_public = BooleanField(_l("Everyone may see the notes on the board (notes you hid stay hidden)"))


class ForwardForm(BaseForm):
    themes = SelectMultipleField(_l("Themes"), coerce=int, validate_choice=False)
    notes = SelectMultipleField(_l("Single notes"), coerce=int, validate_choice=False)

    def validate_notes(self, field):
        if not (self.themes.data or field.data):
            raise ValidationError(_l("Choose at least one theme or note"))


class ActionForm(BaseForm):
    """A button that changes something (start, close, publish …): only the CSRF token."""
