"""Where a discussion lives: on the idea's or proposal's own page (which
includes templates/comments/_discussion.html)."""
from flask import url_for

# The page of each kind of target: (endpoint, name of the id argument).
TARGET_PAGES = {
    "idea": ("ideas.idea", "idea_id"),
    "proposal": ("proposals.proposal", "proposal_id"),
}


def target_url(kind: str, target_id: int, *, comment_id: int | None = None, **arguments) -> str:
    """The page of an idea or proposal (with its discussion), optionally at one comment."""
    endpoint, argument = TARGET_PAGES[kind]
    values = {argument: target_id, **{name: value for name, value in arguments.items() if value is not None}}
    return url_for(endpoint, _anchor=f"comment-{comment_id}" if comment_id else None, **values)


def comment_url(comment, **arguments) -> str:
    return target_url(comment.target_kind, comment.target_id, comment_id=comment.id, **arguments)
