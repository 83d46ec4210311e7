"""Demo ideas, supports, comments and proposals for `flask seed --demo`.

Through the features' own operations, so the demo obeys the same rules as
real use: ideas in several initiatives and languages (one with a photo),
supports, a discussion, a proposal open for voting now, and one that closed
with its results and an official answer. Dates are relative to today.
Created once: a second run finds the first demo idea and changes nothing.
"""
import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from participation.accounts.models import User
from participation.comments.operations import post_comment
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas import photos
from participation.ideas.models import Idea
from participation.ideas.operations import add_support, create_idea
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.proposals.models import Eligibility, ProposalStatus, ResultsShown, VoteChoice, VotingMethod
from participation.proposals.operations import add_status_update, cast_vote, create_proposal
from participation.workshops.demo import _demo_residents

FIRST_TITLE = "Een moestuin op het grasveld bij de flats"


def _photo() -> photos.ProcessedPhoto:
    """A small drawn picture of vegetable beds (no photo files in the repository)."""
    image = Image.new("RGB", (1200, 800), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 480, 1200, 800), fill=(96, 150, 70))
    for left in range(80, 1100, 260):
        draw.rectangle((left, 540, left + 200, 740), fill=(110, 75, 45))
        for plant in range(left + 25, left + 200, 45):
            draw.ellipse((plant - 18, 560, plant + 18, 600), fill=(40, 120, 40))
    draw.ellipse((950, 80, 1070, 200), fill=(255, 210, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return photos.process(buffer)


def _one(model, **filters):
    return db.session.scalar(select(model).filter_by(**filters))


def _neighbourhood(municipality: str, slug: str):
    return db.session.scalar(
        select(Neighbourhood).join(Municipality).where(Municipality.slug == municipality, Neighbourhood.slug == slug))


def seed_demo_participation() -> bool:
    """Returns True when the content was created, False when it already existed
    (or the demo accounts or catalogue are missing)."""
    if db.session.scalar(select(Idea.id).where(Idea.title == FIRST_TITLE)) is not None:
        return False
    bewoner = _one(User, email="demo.bewoner@example.org")
    einwohner = _one(User, email="demo.einwohner@example.org")
    coordinator = _one(User, email="demo.coordinator@example.org")
    resilient = _one(Initiative, slug="veerkrachtige-wijken")
    green = _one(Initiative, slug="groene-gezonde-wijkaanpak")
    stadslab = _one(Initiative, slug="stadslab-geleen")
    sport = _one(Initiative, slug="sport-en-gezondheid-hotspots")
    malpertuis = _neighbourhood("maastricht", "malpertuis")
    if None in (bewoner, einwohner, coordinator, resilient, green, stadslab, sport, malpertuis):
        return False
    neighbours = _demo_residents(11)

    garden, _ = create_idea(
        bewoner, resilient, neighbourhood=malpertuis, language="nl", title=FIRST_TITLE,
        text="Op het grote grasveld achter de flats gebeurt weinig. Met een paar **moestuinbakken** kunnen "
             "buren samen groente kweken en elkaar beter leren kennen.\n\nWie doet er mee?",
        photo=_photo(), photo_alt="Tekening van moestuinbakken op een grasveld")
    benches, _ = create_idea(
        einwohner, green, language="de", title="Mehr Bänke im Schatten entlang der Maas",
        text="Für ältere Menschen ist der Weg am Fluss zu lang ohne Pause. Bänke unter Bäumen würden helfen.")
    repair, _ = create_idea(
        neighbours[0], stadslab, language="fr", title="Un café de réparation chaque mois",
        text="Réparer ensemble les vélos, les lampes et les vêtements : moins de déchets et plus de contacts.")
    create_idea(
        neighbours[1], resilient, neighbourhood=malpertuis, language="en",
        title="Evening walks for people who feel lonely",
        text="A weekly walk with a neighbour as guide, ending with coffee at the community centre.")
    # A pre-moderated initiative: this one waits for a moderator.
    create_idea(
        neighbours[2], sport, language="nl", title="Een pannaveld bij de sporthal",
        text="Jongeren uit de wijk hebben geen plek om te voetballen na school.")

    for person in neighbours[:7]:
        add_support(garden, person)
    for person in neighbours[3:6]:
        add_support(benches, person)
    add_support(repair, bewoner)

    question = post_comment(einwohner, garden, "Tolle Idee! Gibt es dort genug Sonne für Tomaten?", "de")
    post_comment(bewoner, garden, "Ja, het veld ligt op het zuiden. Tomaten lukken daar zeker.", "nl",
                 reply_to=question)
    post_comment(neighbours[4], garden, "Ik help graag mee met het bouwen van de bakken.", "nl")

    now = utcnow()
    create_proposal(
        coordinator, resilient, title="Moestuinbakken op het grasveld in Malpertuis",
        body_markdown="We plaatsen zes moestuinbakken en een waterton. Buren zorgen er samen voor. "
                      "Steun je dit plan? Dan vragen we de gemeente om het geld.",
        language="nl", voting_opens_at=now - timedelta(days=1), voting_closes_at=now + timedelta(days=12),
        method=VotingMethod.SUPPORT, results_shown=ResultsShown.LIVE, eligibility=Eligibility.ALL_VERIFIED,
        neighbourhood_id=malpertuis.id, idea_ids=[garden.id])

    opened, closed = now - timedelta(days=24), now - timedelta(days=3)
    playground = create_proposal(
        coordinator, resilient, title="Nieuwe speeltoestellen in het Malpertuispark",
        body_markdown="Het oude klimrek is versleten. Voorstel: een klimtoestel en een schommel voor "
                      "kinderen tot 12 jaar, betaald uit het wijkbudget.",
        language="nl", voting_opens_at=opened, voting_closes_at=closed,
        method=VotingMethod.FOR_AGAINST, results_shown=ResultsShown.AFTER_CLOSING,
        eligibility=Eligibility.ALL_VERIFIED, neighbourhood_id=malpertuis.id)
    during = opened + timedelta(days=2)
    choices = [VoteChoice.FOR] * 7 + [VoteChoice.AGAINST] * 2 + [VoteChoice.ABSTAIN]
    for person, choice in zip([bewoner, einwohner, *neighbours], choices):
        cast_vote(person, playground, choice, now=during)
    add_status_update(
        coordinator, playground, status=ProposalStatus.ADOPTED, language="nl",
        explanation_markdown="De meerderheid stemde voor. De gemeente Maastricht neemt het plan over en "
                             "bestelt de toestellen dit najaar.")
    db.session.flush()
    return True
