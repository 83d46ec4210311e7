"""Local time and calendar files.

Coordinators enter times as they read them on the clock in Zuid-Limburg
(Europe/Amsterdam); the database keeps UTC. The conversion goes through
zoneinfo, so it is right on both sides of a daylight-saving change. A time
that does not exist (02:30 on the night the clocks go forward) is refused
rather than guessed; one that happens twice (the night they go back) means
the first, still in summer time.

`.ics` files (RFC 5545) are made with the `icalendar` package: times carry
TZID=Europe/Amsterdam with its VTIMEZONE, every workshop has one UID for
ever (so a calendar app updates the event instead of adding a second one),
SEQUENCE rises with each change of time or place, and a cancelled workshop
says STATUS:CANCELLED.
"""
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event

from participation.core.types import utcnow
from participation.mail.operations import Attachment, external_url
from participation.workshops.models import Workshop, WorkshopStatus

TIMEZONE_NAME = "Europe/Amsterdam"
LOCAL = ZoneInfo(TIMEZONE_NAME)
PRODID = "-//Meedoen Zuid-Limburg//Workshops//NL"


class NonexistentLocalTime(ValueError):
    """The clocks jump over this time on that day."""


def local_to_utc(day: date, clock: time) -> datetime:
    """A date and a time on the clock in Zuid-Limburg, as an aware UTC datetime."""
    local = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=LOCAL)
    moment = local.astimezone(timezone.utc)
    if moment.astimezone(LOCAL).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {clock} does not exist in {TIMEZONE_NAME}")
    return moment


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)


# --- .ics ----------------------------------------------------------------------

def _host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "meedoen.local"


def event_uid(workshop: Workshop) -> str:
    """The same for a workshop for ever: calendar apps update the event by it."""
    return f"workshop-{workshop.id}@{_host()}"


def _location(workshop: Workshop) -> str:
    return ", ".join(part for part in (workshop.venue_name, workshop.venue_address) if part)


def workshop_event(workshop: Workshop) -> Event:
    url = external_url("workshops.detail", workshop_id=workshop.id)
    description = "\n\n".join(part for part in (
        (workshop.description_markdown or "").strip(),
        workshop.cancelled_reason if workshop.status == WorkshopStatus.CANCELLED else "",
        url,
    ) if part)
    cancelled = workshop.status == WorkshopStatus.CANCELLED
    return Event.new(
        uid=event_uid(workshop),
        summary=workshop.title,
        start=to_local(workshop.starts_at),
        end=to_local(workshop.ends_at),
        stamp=utcnow(),
        last_modified=workshop.updated_at,
        sequence=workshop.calendar_sequence or 0,
        status="CANCELLED" if cancelled else "CONFIRMED",
        location=_location(workshop),
        description=description,
        url=url,
    )


def calendar_file(workshops: Iterable[Workshop], *, name: str, uid: str) -> bytes:
    workshops = list(workshops)
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", name=name, uid=uid,
                            subcomponents=[workshop_event(workshop) for workshop in workshops])
    if workshops:
        first = min(w.starts_at for w in workshops).date() - timedelta(days=366)
        last = max(w.ends_at for w in workshops).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def workshop_ics(workshop: Workshop) -> bytes:
    return calendar_file([workshop], name=workshop.title, uid=f"workshop-file-{workshop.id}@{_host()}")


def initiative_ics(slug: str, name: str, workshops: Iterable[Workshop]) -> bytes:
    return calendar_file(workshops, name=name, uid=f"initiative-{slug}-workshops@{_host()}")


def ics_filename(workshop: Workshop) -> str:
    return f"workshop-{workshop.id}.ics"


def ics_attachment(workshop: Workshop) -> Attachment:
    return Attachment(ics_filename(workshop), "text/calendar", workshop_ics(workshop))
