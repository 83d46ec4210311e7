"""Forms for commenting, editing a comment and reporting content."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from participation.comments.labels import REPORT_CATEGORY_LABELS
from participation.comments.models import BODY_MAX
from participation.core.forms import BaseForm, normalize_text
from participation.i18n import LANGUAGES

REPORT_TEXT_MAX = 1000
NO_MAXLENGTH = {"maxlength": False}


def unify_line_breaks(value):
    """Browsers send a line break as \\r\\n; count and store it as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class CommentForm(BaseForm):
    # No maxlength attribute: a browser would cut pasted text off without a word;
    # the message says how long it is instead, and nothing typed is lost.
    body = TextAreaField(
        _l("Your comment"), filters=[normalize_text, unify_line_breaks], render_kw=NO_MAXLENGTH, validators=[
            DataRequired(_l("Write your comment")),
            Length(max=BODY_MAX, message=_l("Your comment can be at most %(max)d characters. Now it has %(length)d.")),
        ])
    language = SelectField(_l("Language of your comment"), choices=list(LANGUAGES.items()),
                           validators=[InputRequired(_l("Choose a language"))])

    def __init__(self, *args, **kwargs):
        # Field ids stay unique on an idea or proposal page with other forms.
        kwargs.setdefault("prefix", "comment")
        super().__init__(*args, **kwargs)

    def set_default_language(self, language: str) -> None:
        if not self.is_submitted():
            self.language.data = language


class ReportForm(BaseForm):
    category = RadioField(_l("What is wrong with it?"), choices=list(REPORT_CATEGORY_LABELS.items()),
                          validators=[InputRequired(_l("Choose what is wrong with it"))])
    text = TextAreaField(
        _l("Tell us more"), filters=[normalize_text, unify_line_breaks], render_kw=NO_MAXLENGTH, validators=[
            Optional(),
            Length(max=REPORT_TEXT_MAX,
                   message=_l("Your explanation can be at most %(max)d characters. Now it has %(length)d.")),
        ])
