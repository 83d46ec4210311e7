"""Where a discussion lives: the idea's or proposal's own page when it exists,
otherwise the discussion page of this feature (which always exists and also
shows a comment form again with its errors)."""
from flask import current_app, url_for

from participation.mail.operations import external_url

# The page of each kind of target: (endpoint, name of the id argument).
TARGET_PAGES = {
    "idea": ("ideas.idea", "idea_id"),
    "proposal": ("proposals.proposal", "proposal_id"),
}
DISCUSSION_PAGES = {
    "idea": ("comments.idea_discussion", "idea_id"),
    "proposal": ("comments.proposal_discussion", "proposal_id"),
}


def _endpoint(kind: str, target_id: int) -> tuple[str, dict]:
    endpoint, argument = TARGET_PAGES[kind]
    if endpoint not in current_app.view_functions:
        endpoint, argument = DISCUSSION_PAGES[kind]
    return endpoint, {argument: target_id}


def target_url(kind: str, target_id: int, *, comment_id: int | None = None, external: bool = False,
               **arguments) -> str:
    """The page of an idea or proposal (with its discussion), optionally at one comment."""
    endpoint, values = _endpoint(kind, target_id)
    values.update({name: value for name, value in arguments.items() if value is not None})
    anchor = f"comment-{comment_id}" if comment_id else None
    if external:
        return external_url(endpoint, _anchor=anchor, **values)
    return url_for(endpoint, _anchor=anchor, **values)


def discussion_page_url(kind: str, target_id: int, **arguments) -> str:
    """This feature's own discussion page (where a form is shown again with its errors)."""
    endpoint, argument = DISCUSSION_PAGES[kind]
    return url_for(endpoint, **{argument: target_id}, **arguments)


def comment_url(comment, external: bool = False, **arguments) -> str:
    return target_url(comment.target_kind, comment.target_id, comment_id=comment.id, external=external, **arguments)
