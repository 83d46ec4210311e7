"""Writes about ideas. Each flushes and never commits: the view commits once.

States (IdeaStatus): a new idea is a draft until its author sends it; then
it is published at once when the initiative is post-moderated, or waits for
review (pending) when it is pre-moderated. The author can change it while
it is a draft, pending or returned (sending a returned idea again makes it
pending), and withdraw it any time before a moderator rejected or hid it.
The moderation feature decides about pending and published ideas
(publish/return/reject/hide); it calls `sync_search(idea)` after each
decision so the search index follows.

Every write that changes what is public or its text calls `sync_search`.
"""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite

from participation.accounts.models import User
from participation.core.permissions import can_edit_idea, can_withdraw_idea, idea_is_public
from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.i18n import DEFAULT_LANGUAGE, LANGUAGES
from participation.ideas import photos, queries
from participation.ideas.models import Idea, IdeaStatus, IdeaTranslation, Support
from participation.notifications.models import FollowTarget
from participation.notifications.operations import follow
from participation.programme.models import Initiative, Moderation, Neighbourhood
from participation.search import index_document, register_kind

logger = logging.getLogger("participation.ideas")

SEARCH_KIND = "idea"
# Two identical ideas from one person within this time are one idea (a double tap).
DUPLICATE_WINDOW = timedelta(minutes=10)

register_kind(SEARCH_KIND, _l("Idea"), "ideas.idea", "idea_id",
              visible=lambda object_id: exists().where(Idea.id == object_id, queries.public_ideas_condition()))


class NotAllowed(Exception):
    """The operation is not allowed for this person or in this state (views check first)."""


PhotoInput = photos.ProcessedPhoto | str | None  # a new photo, the name of one already stored, or none


def _language(code: str | None) -> str:
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _set_content(idea: Idea, *, title: str, text: str, language: str) -> None:
    idea.title = title
    idea.body_markdown = text
    idea.body_html = markdown_to_safe_html(text)
    idea.language = _language(language)


def _set_photo(idea: Idea, photo: PhotoInput, photo_alt: str | None, remove: bool = False) -> None:
    if photo is not None or remove:
        photos.forget_after_commit(idea.photo, db.session())
        idea.photo = None
    if isinstance(photo, photos.ProcessedPhoto):
        idea.photo = photos.store(photo, db.session())
    elif isinstance(photo, str) and photos.path_for(photo) is not None:
        idea.photo = photo
    idea.photo_alt = (photo_alt or None) if idea.photo else None


def _send(idea: Idea, initiative: Initiative) -> None:
    """Draft or returned → published (post-moderated) or pending (pre-moderated, or returned before)."""
    now = utcnow()
    was_returned = idea.status == IdeaStatus.RETURNED
    idea.submitted_at = now
    idea.status_reason = idea.status_message = None
    if was_returned or initiative.moderation == Moderation.PRE:
        idea.status = IdeaStatus.PENDING
    else:
        idea.status = IdeaStatus.PUBLISHED
        idea.published_at = idea.published_at or now


def sync_search(idea: Idea) -> None:
    """Put the idea in the search index when it is public, take it out otherwise."""
    translations = list(idea.translations)
    index_document(SEARCH_KIND, idea.id, idea.initiative_id, idea.title, idea.body_html, idea.language,
                   visible=idea_is_public(idea), extra_titles=[t.title for t in translations],
                   extra_texts=[t.body_html for t in translations])


def _lock_author(author: User) -> None:
    """One submission per person at a time (PostgreSQL row lock; SQLite writers
    are serialised anyway), so the duplicate check below cannot race."""
    db.session.execute(select(User.id).where(User.id == author.id).with_for_update())


def create_idea(author: User, initiative: Initiative, *, title: str, text: str, language: str,
                neighbourhood: Neighbourhood | None = None, photo: PhotoInput = None,
                photo_alt: str | None = None, send: bool = True) -> tuple[Idea, bool]:
    """A new idea, sent (or kept as a draft when `send` is false). Returns
    (idea, created): the same idea sent twice within DUPLICATE_WINDOW (a
    double tap, a resent form) gives the first one back, created=False."""
    _lock_author(author)
    duplicate = queries.find_duplicate(author.id, initiative.id, title, text, utcnow() - DUPLICATE_WINDOW)
    if duplicate is not None:
        if isinstance(photo, str):
            photos.forget_after_commit(photo, db.session())  # kept for the form, not needed now
        return duplicate, False
    idea = Idea(author_id=author.id, initiative_id=initiative.id,
                neighbourhood_id=neighbourhood.id if neighbourhood else None, status=IdeaStatus.DRAFT)
    _set_content(idea, title=title, text=text, language=language)
    _set_photo(idea, photo, photo_alt)
    if send:
        _send(idea, initiative)
    db.session.add(idea)
    db.session.flush()
    follow(author, FollowTarget.IDEA, idea.id)
    sync_search(idea)
    logger.info("Idea %s created by user %s (%s)", idea.id, author.id, idea.status.value)
    return idea, True


def update_idea(idea: Idea, editor: User, *, initiative: Initiative, title: str, text: str, language: str,
                neighbourhood: Neighbourhood | None = None, photo: PhotoInput = None,
                photo_alt: str | None = None, remove_photo: bool = False, send: bool = False) -> Idea:
    """The author changes a draft, pending or returned idea; `send` sends a
    draft (or a returned idea, which then waits for review again)."""
    if not can_edit_idea(editor, idea):
        raise NotAllowed("this idea cannot be changed by this person now")
    idea.initiative_id = initiative.id
    idea.initiative = initiative
    idea.neighbourhood_id = neighbourhood.id if neighbourhood else None
    _set_content(idea, title=title, text=text, language=language)
    _set_photo(idea, photo, photo_alt, remove=remove_photo)
    if send and idea.status in (IdeaStatus.DRAFT, IdeaStatus.RETURNED):
        _send(idea, initiative)
    idea.updated_at = utcnow()
    db.session.flush()
    sync_search(idea)
    logger.info("Idea %s changed by its author (%s)", idea.id, idea.status.value)
    return idea


def withdraw_idea(idea: Idea, actor: User) -> Idea:
    """The author withdraws the idea. Published ideas stay readable, marked
    as withdrawn; one never published stays out of sight."""
    if not can_withdraw_idea(actor, idea):
        raise NotAllowed("this idea cannot be withdrawn by this person now")
    idea.status = IdeaStatus.WITHDRAWN
    idea.withdrawn_at = utcnow()
    db.session.flush()
    sync_search(idea)
    logger.info("Idea %s withdrawn by its author", idea.id)
    return idea


# --- support ------------------------------------------------------------------------

def _insert_ignoring_duplicates(model):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def add_support(idea: Idea, user: User) -> bool:
    """Support the idea once. True when this added a support (False: there
    was one already). The count moves only when a row was really added, in
    one atomic UPDATE, so it stays exact with many people at once."""
    if idea.status != IdeaStatus.PUBLISHED:
        raise NotAllowed("only published ideas can be supported")
    # RETURNING tells whether the row was added (rowcount is not reliable for this on every driver).
    inserted = db.session.execute(
        _insert_ignoring_duplicates(Support.__table__)
        .values(idea_id=idea.id, user_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing().returning(Support.__table__.c.user_id)).first() is not None
    if inserted:
        _change_support_count(idea, +1)
    return inserted


def remove_support(idea: Idea, user: User) -> bool:
    """Take one's support back. True when there was one to take back."""
    table = Support.__table__
    deleted = db.session.execute(
        delete(table).where(table.c.idea_id == idea.id, table.c.user_id == user.id)
        .returning(table.c.user_id)).first() is not None
    if deleted:
        _change_support_count(idea, -1)
    return deleted


def _change_support_count(idea: Idea, step: int) -> None:
    db.session.execute(
        update(Idea).where(Idea.id == idea.id)
        # updated_at stays: a support is not a change to the idea.
        .values(support_count=Idea.support_count + step, updated_at=Idea.updated_at)
        .execution_options(synchronize_session=False))
    db.session.expire(idea, ["support_count"])


# --- translations -----------------------------------------------------------------------

def save_translation(idea: Idea, translator: User, *, language: str, title: str, text: str) -> IdeaTranslation:
    """Staff add (or replace) the translation of an idea into another language."""
    if language not in LANGUAGES or language == idea.language:
        raise NotAllowed("a translation needs another of our languages")
    translation = db.session.scalar(
        select(IdeaTranslation).where(IdeaTranslation.idea_id == idea.id, IdeaTranslation.language == language))
    if translation is None:
        translation = IdeaTranslation(idea_id=idea.id, language=language)
        db.session.add(translation)
    translation.title = title
    translation.body_markdown = text
    translation.body_html = markdown_to_safe_html(text)
    translation.translated_by_id = translator.id
    translation.created_at = utcnow()
    db.session.flush()
    db.session.expire(idea, ["translations"])
    sync_search(idea)
    logger.info("Idea %s translated into %s by user %s", idea.id, language, translator.id)
    return translation
