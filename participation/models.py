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
from participation.comments.models import Comment, Report  # noqa: F401
from participation.ideas.models import Idea, IdeaTranslation, Support  # noqa: F401
from participation.mail.models import OutboundEmail  # noqa: F401
from participation.notifications.models import Follow, Notification  # noqa: F401
from participation.programme.models import (  # noqa: F401
    Initiative,
    Municipality,
    Neighbourhood,
    ProgrammeLine,
    initiative_municipality,
)
from participation.search.models import SearchDocument  # noqa: F401  (and the full-text index, search/ddl.py)
from participation.proposals.models import (  # noqa: F401
    Proposal,
    ProposalUpdate,
    Vote,
    proposal_idea,
    proposal_municipality,
    proposal_neighbourhood,
)
from participation.workshops.models import (  # noqa: F401
    Dot,
    Note,
    Participant,
    Registration,
    Theme,
    Workshop,
)
