"""Forms for planning workshops, the public filters and the door."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DateField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from participation.accounts.forms import EMAIL_MAX, ValidEmail, optional_id
from participation.core.forms import BaseForm, normalize_one_line
from participation.core.types import utcnow
from participation.i18n import LANGUAGES
from participation.workshops.calendar import NonexistentLocalTime, local_to_utc

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
VENUE_NAME_MAX = 120
VENUE_ADDRESS_MAX = 200
ACCESSIBILITY_MAX = 500
REASON_MAX = 500
NAME_MAX = 80
CAPACITY_MAX = 1000
SEARCH_MAX = 80


class _PlainParseError:
    """Our own, translated message when the browser sends something that is
    not a number, date or time (instead of WTForms' English one)."""

    parse_error = None

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(self.parse_error))


class FriendlyDateField(_PlainParseError, DateField):
    parse_error = _l("Enter a date, for example 14-06-2026")


class FriendlyTimeField(_PlainParseError, TimeField):
    parse_error = _l("Enter a time, for example 19:30")


class FriendlyIntegerField(_PlainParseError, IntegerField):
    parse_error = _l("Enter a whole number, for example 25")


class WorkshopForm(BaseForm):
    """Create and edit. The view fills in the choices (initiatives, the
    person's neighbourhoods, earlier workshops) and, when editing, the
    original start and the number of people already checked in."""

    title = StringField(_l("Title"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Enter a title")),
        Length(max=TITLE_MAX, message=_l("The title can be at most %(max)s characters long", max=TITLE_MAX))])
    initiative = SelectField(_l("Initiative"), coerce=optional_id, validators=[InputRequired(_l("Choose an initiative"))])
    neighbourhood = SelectField(_l("Neighbourhood"), coerce=optional_id, validate_choice=False,
                                validators=[InputRequired(_l("Choose a neighbourhood"))])
    description = TextAreaField(_l("What is it about?"), validators=[
        InputRequired(_l("Describe what the workshop is about")),
        Length(max=DESCRIPTION_MAX,
               message=_l("The description can be at most %(max)s characters long", max=DESCRIPTION_MAX))])
    date = FriendlyDateField(_l("Date"), validators=[InputRequired(_l("Enter the date"))])
    start_time = FriendlyTimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time"))])
    end_time = FriendlyTimeField(_l("End time"), validators=[InputRequired(_l("Enter the end time"))])
    venue_name = StringField(_l("Venue"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Enter the name of the venue")),
        Length(max=VENUE_NAME_MAX, message=_l("This can be at most %(max)s characters long", max=VENUE_NAME_MAX))])
    venue_address = StringField(_l("Address"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Enter the address")),
        Length(max=VENUE_ADDRESS_MAX,
               message=_l("This can be at most %(max)s characters long", max=VENUE_ADDRESS_MAX))])
    capacity = FriendlyIntegerField(_l("Number of places"), validators=[
        InputRequired(_l("Enter the number of places")),
        NumberRange(min=1, max=CAPACITY_MAX,
                    message=_l("Enter a number from %(min)s to %(max)s", min=1, max=CAPACITY_MAX))])
    # Each language named in its own language (and marked as such for screen readers).
    languages = SelectMultipleField(_l("Languages spoken"), choices=[
        (code, Markup('<span lang="{}">{}</span>').format(code, name)) for code, name in LANGUAGES.items()], validators=[
        InputRequired(_l("Choose at least one language"))])
    accessibility_notes = TextAreaField(_l("Accessibility"), validators=[
        Length(max=ACCESSIBILITY_MAX,
               message=_l("This can be at most %(max)s characters long", max=ACCESSIBILITY_MAX))])
    deadline_date = FriendlyDateField(_l("Sign up until (date)"), validators=[Optional()])
    deadline_time = FriendlyTimeField(_l("Sign up until (time)"), validators=[Optional()])
    previous = SelectField(_l("Follow-up of an earlier workshop"), coerce=optional_id, validate_choice=True)

    original_start = None  # set by the view when editing
    minimum_capacity = 1   # people already checked in keep their place

    def set_choices(self, initiatives, neighbourhoods, earlier, language_text, format_when):
        self.initiative.choices = [("", _l("Choose an initiative"))] + [
            (i.id, language_text(i.title)) for i in initiatives]
        groups: dict = {}
        for n in neighbourhoods:
            groups.setdefault(language_text(n.municipality.name), []).append((n.id, n.name))
        self.neighbourhood.choices = {"": [("", _l("Choose a neighbourhood"))]} | groups
        self.previous.choices = [("", _l("No, this is a new workshop"))] + [
            (w.id, f"{w.title} ({format_when(w.starts_at)})") for w in earlier]
        self.earlier = {w.id: w for w in earlier}

    # The moments, in UTC; valid after validate().
    starts_at = ends_at = registration_deadline = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.date.data and self.start_time.data and not self.start_time.errors:
            try:
                self.starts_at = local_to_utc(self.date.data, self.start_time.data)
            except NonexistentLocalTime:
                self.start_time.errors.append(_l("This time does not exist on that day: the clocks go forward. Choose another time."))
                valid = False
        if self.date.data and self.end_time.data and not self.end_time.errors:
            try:
                self.ends_at = local_to_utc(self.date.data, self.end_time.data)
            except NonexistentLocalTime:
                self.end_time.errors.append(_l("This time does not exist on that day: the clocks go forward. Choose another time."))
                valid = False
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            self.end_time.errors.append(_l("The end time must be after the start time"))
            valid = False
        if self.starts_at and self.starts_at != self.original_start and self.starts_at <= utcnow():
            self.date.errors.append(_l("The workshop must start in the future"))
            valid = False
        if bool(self.deadline_date.data) != bool(self.deadline_time.data) and not (
                self.deadline_date.errors or self.deadline_time.errors):
            missing = self.deadline_time if self.deadline_date.data else self.deadline_date
            missing.errors.append(_l("Enter both the date and the time until when people can sign up, or neither"))
            valid = False
        elif self.deadline_date.data and self.deadline_time.data:
            try:
                self.registration_deadline = local_to_utc(self.deadline_date.data, self.deadline_time.data)
            except NonexistentLocalTime:
                self.deadline_time.errors.append(_l("This time does not exist on that day: the clocks go forward. Choose another time."))
                valid = False
            else:
                if self.starts_at and self.registration_deadline > self.starts_at:
                    self.deadline_date.errors.append(_l("People cannot sign up after the workshop has started"))
                    valid = False
        if self.registration_deadline is None:
            self.registration_deadline = self.starts_at
        earlier = self.earlier.get(self.previous.data) if self.previous.data and not self.previous.errors else None
        if earlier is not None and self.starts_at and earlier.starts_at >= self.starts_at:
            self.previous.errors.append(_l("A follow-up must start after the workshop it follows"))
            valid = False
        return valid

    def validate_neighbourhood(self, field):
        # Whether it exists and whether the person coordinates it, the view checks (unknown: an error; not theirs: 403).
        if field.data in (None, -1):
            raise ValidationError(_l("Choose a neighbourhood from the list"))

    def validate_capacity(self, field):
        if field.data is not None and field.data < self.minimum_capacity:
            raise ValidationError(_l("%(count)s people have already checked in: the number of places cannot be lower",
                                     count=self.minimum_capacity))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language"))

    def data_for_operation(self) -> dict:
        return {
            "initiative_id": self.initiative.data,
            "neighbourhood_id": self.neighbourhood.data,
            "previous_id": self.previous.data or None,
            "title": self.title.data,
            "description": self.description.data,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "registration_deadline": self.registration_deadline,
            "venue_name": self.venue_name.data,
            "venue_address": self.venue_address.data,
            "capacity": self.capacity.data,
            "languages": [code for code in LANGUAGES if code in (self.languages.data or [])],
            "accessibility_notes": self.accessibility_notes.data or "",
        }

    def fill_from(self, workshop, to_local) -> None:
        """Show a saved workshop (or the one a follow-up continues) in the form."""
        start, end = to_local(workshop.starts_at), to_local(workshop.ends_at)
        self.title.data = workshop.title
        self.initiative.data = workshop.initiative_id
        self.neighbourhood.data = workshop.neighbourhood_id
        self.description.data = workshop.description_markdown
        self.date.data, self.start_time.data, self.end_time.data = start.date(), start.time(), end.time()
        self.venue_name.data = workshop.venue_name
        self.venue_address.data = workshop.venue_address
        self.capacity.data = workshop.capacity
        self.languages.data = list(workshop.languages or [])
        self.accessibility_notes.data = workshop.accessibility_notes
        if workshop.registration_deadline != workshop.starts_at:
            deadline = to_local(workshop.registration_deadline)
            self.deadline_date.data, self.deadline_time.data = deadline.date(), deadline.time()
        self.previous.data = workshop.previous_id


class CancelWorkshopForm(BaseForm):
    reason = TextAreaField(_l("Why is the workshop cancelled?"), validators=[
        InputRequired(_l("Tell people why the workshop is cancelled")),
        Length(max=REASON_MAX, message=_l("This can be at most %(max)s characters long", max=REASON_MAX))])


class FilterForm(BaseForm):
    """The filters above the list (GET; values the catalogue does not know are ignored)."""

    class Meta:
        csrf = False

    municipality = SelectField(_l("Municipality"), validate_choice=False)
    neighbourhood = SelectField(_l("Neighbourhood"), validate_choice=False)
    initiative = SelectField(_l("Initiative"), validate_choice=False)

    def set_choices(self, municipalities, lines, language_text) -> None:
        everywhere = [("", _l("All"))]
        self.municipality.choices = everywhere + [(m.slug, language_text(m.name)) for m in municipalities]
        self.neighbourhood.choices = {"": everywhere} | {
            language_text(m.name): [(n.slug, n.name) for n in m.neighbourhoods]
            for m in municipalities if m.neighbourhoods}
        self.initiative.choices = {"": everywhere} | {
            language_text(line.title): [(i.slug, language_text(i.title)) for i in line.initiatives]
            for line in lines if line.initiatives}

    def show(self, filters) -> None:
        args = filters.as_args()
        for name in ("municipality", "neighbourhood", "initiative"):
            getattr(self, name).data = args[name] or ""


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Find a person by name or code"), filters=[normalize_one_line],
                    validators=[Length(max=SEARCH_MAX)])


class CodeForm(BaseForm):
    code = StringField(_l("Check-in code"), validators=[
        InputRequired(_l("Enter the code")), Length(max=16, message=_l("Enter the code of 6 letters and numbers"))])


class WalkInForm(BaseForm):
    email = EmailField(_l("Email address of their account"), validators=[
        Optional(), Length(max=EMAIL_MAX), ValidEmail()])
    name = StringField(_l("Or only their name"), filters=[normalize_one_line], validators=[
        Length(max=NAME_MAX, message=_l("This can be at most %(max)s characters long", max=NAME_MAX))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.email.data and not self.name.data:
            self.name.errors.append(_l("Enter an email address or a name"))
            valid = False
        return valid
