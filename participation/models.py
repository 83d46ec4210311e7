"""Every feature's models, imported in one place so Alembic and string
relationships see them all."""
from participation.accounts.models import (  # noqa: F401
    LoginSession,
    RecoveryCode,
    UsedToken,
    User,
    coordinator_neighbourhood,
    moderator_municipality,
)
from participation.mail.models import OutboundEmail  # noqa: F401
from participation.programme.models import (  # noqa: F401
    Initiative,
    Municipality,
    Neighbourhood,
    ProgrammeLine,
    initiative_municipality,
)
