"""Demo content for `flask seed --demo`: every feature alive right after
`make run`, with dates relative to today so the demo never goes stale.
Each step is idempotent (a second run changes nothing) and flushes only;
the command commits once at the end."""
from participation.demo_participation import seed_demo_participation
from participation.workshops.demo import seed_demo_workshops
from participation.workshops.demo_session import seed_demo_past_workshop


def seed_demo_content() -> list[str]:
    """Add the demo content; returns one line per step for the command to print."""
    lines = []
    if seed_demo_participation():
        lines.append("Ideas, supports, comments, a proposal open for voting and a closed one with results.")
    seed_demo_workshops()
    lines.append("Workshops: upcoming ones in Maastricht, Sittard-Geleen and Vaals (one nearly full, one with a waiting list).")
    if seed_demo_past_workshop() is not None:
        lines.append("Workshops: a past workshop with its board, themes, dots and public outcome page.")
    return lines
