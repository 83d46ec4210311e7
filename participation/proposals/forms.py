"""Forms for proposals: create/edit (staff), the official answer (staff), voting.

The voting window is typed as a local date and time (Europe/Amsterdam, the
configured time zone) in `<input type="date">` and `<input type="time">`
fields and stored in UTC. Daylight saving time is handled by zoneinfo: a
time that does not exist (the hour skipped when the clocks go forward) is
refused with a message; a time that exists twice (the hour repeated when the
clocks go back) means its first occurrence.
"""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.validators import InputRequired, Length, ValidationError

from participation.accounts.forms import optional_id
from participation.core.forms import BaseForm, normalize_one_line
from participation.core.types import utcnow
from participation.i18n import LANGUAGES
from participation.proposals.models import (BODY_MAX, TITLE_MAX, Eligibility, ProposalStatus, ResultsShown,
                                            VoteChoice, VotingMethod)

TITLE_MIN = 5
EXPLANATION_MAX = 5000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999

METHOD_LABELS = {
    VotingMethod.SUPPORT: _l("Support: people can say “I support this”"),
    VotingMethod.FOR_AGAINST: _l("For, against or abstain"),
}
RESULTS_LABELS = {
    ResultsShown.LIVE: _l("Show the numbers while voting is open"),
    ResultsShown.AFTER_CLOSING: _l("Show the numbers only after voting has closed"),
}
ELIGIBILITY_LABELS = {
    Eligibility.ALL_VERIFIED: _l("Everyone with a confirmed account"),
    Eligibility.AREA: _l("Only residents of the places I choose below"),
}
STATUS_LABELS = {
    ProposalStatus.UNDER_CONSIDERATION: _l("Under consideration"),
    ProposalStatus.ADOPTED: _l("Adopted"),
    ProposalStatus.NOT_ADOPTED: _l("Not adopted"),
    ProposalStatus.IN_PROGRESS: _l("In progress"),
    ProposalStatus.DONE: _l("Done"),
}
CHOICE_LABELS = {
    VoteChoice.SUPPORT: _l("I support this"),
    VoteChoice.FOR: _l("For"),
    VoteChoice.AGAINST: _l("Against"),
    VoteChoice.ABSTAIN: _l("Abstain"),
}
# The same choices as column and row names in results.
RESULT_LABELS = {
    VoteChoice.SUPPORT: _l("Support"),
    VoteChoice.FOR: _l("For"),
    VoteChoice.AGAINST: _l("Against"),
    VoteChoice.ABSTAIN: _l("Abstain"),
}
CHOICES_BY_METHOD = {
    VotingMethod.SUPPORT: (VoteChoice.SUPPORT,),
    VotingMethod.FOR_AGAINST: (VoteChoice.FOR, VoteChoice.AGAINST, VoteChoice.ABSTAIN),
}


# --- local time ⇄ UTC ------------------------------------------------------------------

def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Amsterdam")


def local_to_utc(day: dt.date, clock: dt.time) -> dt.datetime | None:
    """The UTC moment of a local date and time; None when that time does not
    exist on that day (clocks going forward). Of two equal times (clocks going
    back) the first is taken (fold=0)."""
    zone = local_zone()
    wall = dt.datetime.combine(day, clock.replace(second=0, microsecond=0))
    moment = wall.replace(tzinfo=zone).astimezone(dt.timezone.utc)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return moment


def utc_to_local(moment: dt.datetime) -> tuple[dt.date, dt.time]:
    local = moment.astimezone(local_zone())
    return local.date(), local.time().replace(second=0, microsecond=0, tzinfo=None)


class LocalDateField(DateField):
    """`<input type="date">`: empty is "nothing typed" (for InputRequired), not a
    format error; a date outside EARLIEST_YEAR..LATEST_YEAR is refused."""

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a real date, for example 27-03-2026"))
        if not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(_l("Enter a real date, for example 27-03-2026"))


class LocalTimeField(TimeField):
    """`<input type="time">` (hours and minutes; seconds are accepted and dropped)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%H:%M", "%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a real time, for example 09:30"))


# --- create / edit ----------------------------------------------------------------------

VOTING_SETTINGS = ("opens_date", "opens_time", "method", "results_shown", "eligibility",
                   "area_municipalities", "area_neighbourhoods")
CLOSING_FIELDS = ("closes_date", "closes_time")


class ProposalForm(BaseForm):
    """The view fills in the choices (neighbourhoods in the person's scope,
    published ideas of the initiative, places for the voting area)."""

    title = StringField(_l("Title"), filters=[normalize_one_line], validators=[
        InputRequired(_l("Enter a title")),
        Length(min=TITLE_MIN, max=TITLE_MAX,
               message=_l("The title must be between %(min)s and %(max)s characters", min=TITLE_MIN, max=TITLE_MAX)),
    ])
    body = TextAreaField(_l("What is proposed"), validators=[
        InputRequired(_l("Describe what is proposed")),
        Length(max=BODY_MAX, message=_l("The text can be at most %(max)s characters long", max=BODY_MAX)),
    ])
    language = SelectField(_l("Language of the text"), choices=list(LANGUAGES.items()),
                           validators=[InputRequired(_l("Choose a language"))])
    neighbourhood = SelectField(_l("Neighbourhood"), coerce=optional_id, validate_choice=False)
    ideas = SelectMultipleField(_l("Ideas this proposal comes from"), coerce=int, validate_choice=True)

    opens_date = LocalDateField(_l("Date voting opens"), validators=[InputRequired(_l("Enter the date voting opens"))])
    opens_time = LocalTimeField(_l("Time voting opens"), validators=[InputRequired(_l("Enter the time voting opens"))])
    closes_date = LocalDateField(_l("Date voting closes"),
                                 validators=[InputRequired(_l("Enter the date voting closes"))])
    closes_time = LocalTimeField(_l("Time voting closes"),
                                 validators=[InputRequired(_l("Enter the time voting closes"))])
    method = RadioField(_l("How do people vote?"), choices=list(METHOD_LABELS.items()),
                        validators=[InputRequired(_l("Choose how people vote"))])
    results_shown = RadioField(_l("When are the numbers shown?"), choices=list(RESULTS_LABELS.items()),
                               validators=[InputRequired(_l("Choose when the numbers are shown"))])
    eligibility = RadioField(_l("Who may vote?"), choices=list(ELIGIBILITY_LABELS.items()),
                             validators=[InputRequired(_l("Choose who may vote"))])
    area_municipalities = SelectMultipleField(_l("Municipalities"), coerce=int, validate_choice=True)
    area_neighbourhoods = SelectMultipleField(_l("Neighbourhoods"), coerce=int, validate_choice=True)

    # Set by the view: which neighbourhood ids may be chosen, and whether "none" may.
    allowed_neighbourhoods: frozenset = frozenset()
    allow_no_neighbourhood: bool = False
    # The window already stored (editing): an unchanged closing moment may lie in
    # the past, and once the opening fields are locked the stored opening counts.
    current_opens_at: dt.datetime | None = None
    current_closes_at: dt.datetime | None = None

    def set_neighbourhood_choices(self, neighbourhoods, language_text, allow_none: bool) -> None:
        """`neighbourhoods`: those the person may attach, with their municipality loaded."""
        self.allowed_neighbourhoods = frozenset(n.id for n in neighbourhoods)
        self.allow_no_neighbourhood = allow_none
        # The label says "(optional)" only when it is (render_field reads the flag).
        self.neighbourhood.flags.required = not allow_none
        first = _l("No neighbourhood: the whole initiative") if allow_none else _l("Choose a neighbourhood")
        none = [("", first)]
        self.neighbourhood.choices = none + [
            (n.id, f"{n.name} ({language_text(n.municipality.name)})") for n in neighbourhoods]

    def set_idea_choices(self, ideas) -> None:
        self.ideas.choices = [(idea.id, idea.title) for idea in ideas]

    def set_area_choices(self, municipalities, language_text) -> None:
        """`municipalities`: the catalogue, with neighbourhoods loaded."""
        self.area_municipalities.choices = [(m.id, language_text(m.name)) for m in municipalities]
        self.area_neighbourhoods.choices = [(n.id, n.name) for m in municipalities for n in m.neighbourhoods]
        self.area_groups = [(language_text(m.name), [(n.id, n.name) for n in m.neighbourhoods])
                            for m in municipalities if m.neighbourhoods]

    def lock_voting_settings(self, closing_too: bool) -> None:
        """Once voting has opened, how and who votes can no longer change (the
        closing time still can, until it has passed)."""
        for name in VOTING_SETTINGS + (CLOSING_FIELDS if closing_too else ()):
            if name in self:
                delattr(self, name)

    def validate_neighbourhood(self, field):
        if field.data is None:
            if not self.allow_no_neighbourhood:
                raise ValidationError(_l("Choose the neighbourhood this proposal is for"))
        elif field.data not in self.allowed_neighbourhoods:
            raise ValidationError(_l("Choose one of the neighbourhoods in the list"))

    def window(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The voting window in UTC, as far as it was typed in and exists."""
        opens = closes = None
        if "opens_date" in self and self.opens_date.data and self.opens_time.data:
            opens = local_to_utc(self.opens_date.data, self.opens_time.data)
        if "closes_date" in self and self.closes_date.data and self.closes_time.data:
            closes = local_to_utc(self.closes_date.data, self.closes_time.data)
        return opens, closes

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        opens, closes = self.window()
        skipped = _l("This time does not exist on that day: the clocks go forward an hour. Choose another time.")
        if "opens_date" in self and self.opens_date.data and self.opens_time.data and opens is None:
            self.opens_time.errors.append(skipped)
            valid = False
        if "closes_date" in self and self.closes_date.data and self.closes_time.data:
            if closes is None:
                self.closes_time.errors.append(skipped)
                valid = False
            else:
                start = opens if "opens_date" in self else self.current_opens_at
                if start is not None and closes <= start:
                    self.closes_date.errors.append(
                        _l("Voting must close after it opens. Choose a later closing date or time."))
                    valid = False
                elif closes <= utcnow() and closes != self.current_closes_at:
                    self.closes_date.errors.append(_l("The closing date and time must be in the future."))
                    valid = False
        if "eligibility" in self and self.eligibility.data == Eligibility.AREA.value:
            if not (self.area_municipalities.data or self.area_neighbourhoods.data):
                self.area_municipalities.errors.append(
                    _l("Choose at least one municipality or neighbourhood whose residents may vote"))
                valid = False
        return valid


class StatusUpdateForm(BaseForm):
    status = RadioField(_l("Status"), validators=[InputRequired(_l("Choose a status"))])
    explanation = TextAreaField(_l("Explanation"), validators=[
        InputRequired(_l("Explain the decision or what has happened")),
        Length(max=EXPLANATION_MAX, message=_l("The text can be at most %(max)s characters long", max=EXPLANATION_MAX)),
    ])
    language = SelectField(_l("Language of the text"), choices=list(LANGUAGES.items()),
                           validators=[InputRequired(_l("Choose a language"))])

    def set_status_choices(self, statuses) -> None:
        self.status.choices = [(status.value, STATUS_LABELS[status]) for status in statuses]


class VoteForm(BaseForm):
    choice = RadioField(_l("Your vote"), validators=[InputRequired(_l("Choose your vote"))])

    def set_method(self, method: VotingMethod) -> None:
        self.choice.choices = [(choice.value, CHOICE_LABELS[choice]) for choice in CHOICES_BY_METHOD[method]]


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token."""
