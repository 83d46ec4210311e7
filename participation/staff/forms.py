"""Forms of the staff page: role and scopes, invitations, the invitation link."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length

from participation.accounts.forms import (EMAIL_MAX, ValidEmail, display_name_field, language_field,
                                          new_password_field)
from participation.accounts.models import Role
from participation.core.forms import BaseForm
from participation.staff.operations import ROLE_LABELS, Scopes, scope_problems

SEARCH_MAX = 100

ROLE_HINTS = {
    Role.RESIDENT: _l("Takes part like everyone else. Has no staff rights."),
    Role.COORDINATOR: _l("Runs the workshops of the neighbourhoods you choose below."),
    Role.MODERATOR: _l("Reviews contributions from the municipalities you choose below."),
    Role.ADMIN: _l("May do everything, including giving people roles."),
}


def _role_field(roles):
    return RadioField(_l("Role"), choices=[(role.value, ROLE_LABELS[role]) for role in roles],
                      validators=[InputRequired(_l("Choose a role"))])


class ScopeFields:
    """Neighbourhoods (for a coordinator) and municipalities or all of them (for a
    moderator). The view fills in the choices from the catalogue."""

    neighbourhoods = SelectMultipleField(_l("Neighbourhoods"), coerce=int)
    municipalities = SelectMultipleField(_l("Municipalities"), coerce=int)
    all_municipalities = BooleanField(_l("All municipalities, also those added later"))

    def set_scope_choices(self, municipalities, language_text) -> None:
        """`municipalities`: catalogue rows with their neighbourhoods loaded."""
        self.municipalities.choices = [(m.id, language_text(m.name)) for m in municipalities]
        self.neighbourhoods.choices = [(n.id, n.name) for m in municipalities for n in m.neighbourhoods]
        # For the checkbox list, one group per municipality.
        self.neighbourhood_groups = [
            (language_text(m.name), [(n.id, n.name) for n in m.neighbourhoods])
            for m in municipalities if m.neighbourhoods
        ]

    def set_scopes(self, person) -> None:
        """Show what the person has now (on a page that was not sent)."""
        self.neighbourhoods.data = [n.id for n in person.coordinated_neighbourhoods]
        self.municipalities.data = [m.id for m in person.moderated_municipalities]
        self.all_municipalities.data = bool(person.moderates_everywhere)

    def chosen_scopes(self) -> Scopes:
        return Scopes.of(Role(self.role.data), neighbourhood_ids=self.neighbourhoods.data or (),
                         municipality_ids=self.municipalities.data or (), everywhere=bool(self.all_municipalities.data))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.role.errors and self.role.data:
            for name, message in scope_problems(Role(self.role.data), self.chosen_scopes()).items():
                getattr(self, name).errors.append(message)
                valid = False
        return valid


class RoleForm(ScopeFields, BaseForm):
    role = _role_field(Role)


class InviteForm(ScopeFields, BaseForm):
    email = EmailField(_l("Email address"), validators=[
        InputRequired(_l("Enter the email address of the person you invite")),
        Length(max=EMAIL_MAX, message=_l("An email address can be at most %(max)s characters long", max=EMAIL_MAX)),
        ValidEmail(),
    ])
    role = _role_field([Role.COORDINATOR, Role.MODERATOR, Role.ADMIN])
    language = language_field()


class AcceptInvitationForm(BaseForm):
    display_name = display_name_field()
    password = new_password_field()


class SearchForm(BaseForm):
    """Sent with GET: changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Email address or name"), validators=[
        Length(max=SEARCH_MAX, message=_l("Search for at most %(max)s characters", max=SEARCH_MAX))])
