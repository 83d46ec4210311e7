"""Every feature's models, imported in one place so Alembic and string
relationships see them all."""
from participation.programme.models import (  # noqa: F401
    Initiative,
    Municipality,
    Neighbourhood,
    ProgrammeLine,
    initiative_municipality,
)
