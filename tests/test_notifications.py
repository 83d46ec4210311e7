"""Following, in-app notifications and the emails about replies."""
import re

import pytest
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.comments import operations as comments
from participation.comments.models import Comment
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.notifications import operations
from participation.notifications.models import Follow, FollowTarget, Notification, NotificationKind
from participation.programme.models import Initiative
from tests.conftest import sign_in
from tests.content_helpers import change, make_idea, make_proposal
from tests.test_comments import add_comment, post, reply


def follows(app, user):
    with app.app_context():
        return sorted(db.session.execute(
            select(Follow.target_kind, Follow.target_id).where(Follow.user_id == user.id)).all())


def notifications_of(app, user):
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                  .order_by(Notification.id)).all()
        db.session.expunge_all()
        return rows


def first_initiative(app):
    with app.app_context():
        initiative = db.session.scalars(select(Initiative).order_by(Initiative.id)).first()
        return initiative.id, initiative.slug


@pytest.fixture
def idea_author(create_user):
    return create_user(display_name="Ida Idee", language="de", email="ida@example.org")


@pytest.fixture
def idea_id(app, catalogue, idea_author):
    return make_idea(app, idea_author, title="Bankjes in het park")


# --- following -------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["initiative", "idea", "proposal"])
def test_following_and_unfollowing_are_idempotent(app, client, resident, idea_id, kind):
    target_id = {"initiative": lambda: first_initiative(app)[0], "idea": lambda: idea_id,
                 "proposal": lambda: make_proposal(app)}[kind]()
    sign_in(client, resident)
    for _ in range(2):
        assert client.post(f"/follow/{kind}/{target_id}").status_code == 302
    assert follows(app, resident) == [(FollowTarget(kind), target_id)]
    for _ in range(2):
        assert client.post(f"/unfollow/{kind}/{target_id}").status_code == 302
    assert follows(app, resident) == []


def test_the_follow_button_works_without_javascript_and_returns_to_the_page(app, client, resident, catalogue):
    initiative_id, slug = first_initiative(app)
    sign_in(client, resident)
    page = client.get(f"/initiatives/{slug}?lang=en").get_data(as_text=True)
    assert f'action="/follow/initiative/{initiative_id}"' in page and 'name="next"' in page
    response = client.post(f"/follow/initiative/{initiative_id}", data={"next": f"/initiatives/{slug}?lang=en"})
    assert response.location == f"/initiatives/{slug}?lang=en"
    page = client.get(response.location).get_data(as_text=True)
    assert "You follow this now" in page and f'action="/unfollow/initiative/{initiative_id}"' in page
    assert "Stop following" in page
    # Another site as `next` is ignored: back to the initiative.
    response = client.post(f"/unfollow/initiative/{initiative_id}", data={"next": "https://evil.example/"})
    assert response.location == f"/initiatives/{slug}"


def test_anonymous_people_are_asked_to_sign_in_to_follow(app, client, catalogue):
    initiative_id, slug = first_initiative(app)
    assert "Sign in to follow this" in client.get(f"/initiatives/{slug}?lang=en").get_data(as_text=True)
    response = client.post(f"/follow/initiative/{initiative_id}")
    assert response.status_code == 302 and "/signin" in response.location


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "hidden"])
def test_what_cannot_be_seen_cannot_be_followed(app, client, resident, idea_id, status):
    change(app, Idea, idea_id, status=IdeaStatus(status))
    sign_in(client, resident)
    assert client.post(f"/follow/idea/{idea_id}").status_code == 404
    assert client.post(f"/follow/workshop/{idea_id}").status_code == 404
    assert client.post("/follow/initiative/999999").status_code == 404
    assert follows(app, resident) == []


def test_follow_and_unfollow_as_operations(app, resident, idea_id):
    with app.app_context():
        person = db.session.get(User, resident.id)
        operations.follow(person, FollowTarget.IDEA, idea_id)
        operations.follow(person, FollowTarget.IDEA, idea_id)
        db.session.commit()
        assert operations.follower_ids(FollowTarget.IDEA, idea_id) == [resident.id]
        operations.unfollow(person, FollowTarget.IDEA, idea_id)
        operations.unfollow(person, FollowTarget.IDEA, idea_id)
        db.session.commit()
        assert operations.follower_ids(FollowTarget.IDEA, idea_id) == []


# --- who hears about a new comment -----------------------------------------------

def test_a_comment_on_an_idea_notifies_its_author_in_app_and_by_email_in_their_language(
        app, client, resident, idea_author, idea_id, outbox):
    sign_in(client, resident)
    post(client, idea_id, "Mooi plan!")
    [notification] = notifications_of(app, idea_author)
    assert notification.kind == NotificationKind.REPLY and notification.target_kind == "comment"
    assert notification.params["to"] == "idea" and notification.params["title"] == "Bankjes in het park"
    [email] = outbox()
    assert email.to_address == "ida@example.org"
    assert '<html lang="de">' in email.html_body  # written in Ida's language, not the commenter's
    assert "Mooi plan!" in email.text_body and "Bankjes in het park" in email.text_body
    path = re.search(r"https?://[^/\s]+(/comments/\d+)", email.text_body).group(1)
    assert client.get(path).location.endswith(f"#comment-{notification.target_id}")
    assert notifications_of(app, resident) == []  # nobody hears about their own comment


def test_a_reply_notifies_the_parent_author_and_those_in_the_thread(app, client, create_user, idea_author,
                                                                     idea_id, outbox):
    parent_author = create_user(display_name="Paula", language="fr")
    earlier = create_user(display_name="Eerder")
    replier = create_user(display_name="Replier")
    top = add_comment(app, parent_author, idea_id, "Wat vinden jullie?")
    add_comment(app, earlier, idea_id, "Ik was er eerst", reply_to=top)
    sent_before = len(outbox())
    sign_in(client, replier)
    assert reply(client, top, "Helemaal eens").status_code == 302
    for person in (parent_author, earlier):
        [*_, notification] = notifications_of(app, person)
        assert notification.params["to"] == "comment" and notification.params["actor_id"] == replier.id
    assert len(notifications_of(app, idea_author)) == 1  # only about the top-level comment, not the reply
    emails = outbox()[sent_before:]
    assert sorted(email.to_address for email in emails) == sorted([parent_author.email, earlier.email])
    to_paula = next(email for email in emails if email.to_address == parent_author.email)
    assert '<html lang="fr">' in to_paula.html_body and "Helemaal eens" in to_paula.text_body


def test_the_email_preference_is_respected_and_the_in_app_notification_stays(app, client, create_user, idea_id,
                                                                              outbox):
    quiet = create_user(display_name="Stil", notifications={"replies": False, "status_changes": True,
                                                           "moderation": True, "workshops": True})
    top = add_comment(app, quiet, idea_id)
    sent_before = len(outbox())
    replier = create_user()
    sign_in(client, replier)
    reply(client, top)
    assert [email.to_address for email in outbox()[sent_before:]] == []
    assert len(notifications_of(app, quiet)) == 1


def test_replying_to_yourself_notifies_nobody_and_deleted_accounts_are_skipped(app, create_user, idea_id, outbox):
    from participation.accounts.privacy import delete_account
    gone = create_user(display_name="Weg")
    top = add_comment(app, gone, idea_id)
    with app.app_context():
        delete_account(db.session.get(User, gone.id))
        db.session.commit()
    sent_before = len(outbox())
    add_comment(app, create_user(), idea_id, reply_to=top)
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == gone.id)) == 0
    assert outbox()[sent_before:] == []


def test_hiding_or_deleting_a_reply_takes_its_notifications_back(app, client, create_user, idea_id):
    parent_author = create_user(display_name="Paula")
    top = add_comment(app, parent_author, idea_id)
    troll, other = create_user(display_name="Troll"), create_user(display_name="Otto")
    hidden = add_comment(app, troll, idea_id, "Scheldwoorden", reply_to=top)
    deleted = add_comment(app, other, idea_id, "Oeps", reply_to=top)
    assert len(notifications_of(app, parent_author)) == 2
    with app.app_context():
        comments.hide_comment(db.session.get(Comment, hidden), "offensive")
        comments.delete_comment(db.session.get(Comment, deleted))
        db.session.commit()
    assert notifications_of(app, parent_author) == []
    sign_in(client, parent_author)
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "Scheldwoorden" not in page and "Troll" not in page and "no notifications yet" in page


def test_nobody_is_notified_about_content_they_may_not_see(app, create_user, idea_author, idea_id, outbox):
    """A comment on an idea that is not public (or a comment that is already hidden) notifies nobody."""
    parent_author = create_user(display_name="Paula")
    top = add_comment(app, parent_author, idea_id)
    before = len(notifications_of(app, idea_author)), len(outbox())
    change(app, Idea, idea_id, status=IdeaStatus.HIDDEN)
    with app.app_context():
        comment = Comment(idea_id=idea_id, author_id=create_user().id, body_markdown="x", body_html="x",
                          language="nl", parent_id=top)
        db.session.add(comment)
        db.session.flush()
        comments._notify_about_new(comment, db.session.get(Idea, idea_id), db.session.get(Comment, top),
                                   db.session.get(User, comment.author_id))
        comment.hidden_at = utcnow()
        change_back = db.session.get(Idea, idea_id)
        change_back.status = IdeaStatus.PUBLISHED
        comments._notify_about_new(comment, change_back, db.session.get(Comment, top),
                                   db.session.get(User, comment.author_id))
        db.session.commit()
    assert notifications_of(app, parent_author) == []
    assert (len(notifications_of(app, idea_author)), len(outbox())) == before


def test_notifications_about_an_idea_hidden_later_are_not_shown(app, client, create_user, idea_author, idea_id):
    sign_in(client, idea_author)
    add_comment(app, create_user(display_name="Otto"), idea_id, "Op een idee dat verdwijnt")
    assert "Bankjes in het park" in client.get("/notifications?lang=en").get_data(as_text=True)
    change(app, Idea, idea_id, status=IdeaStatus.HIDDEN)
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "Bankjes in het park" not in page and "This is no longer available." in page
    with app.app_context():
        assert operations.withdraw_notifications("idea", [idea_id]) == 1
        db.session.commit()
    assert notifications_of(app, idea_author) == []


# --- the list ----------------------------------------------------------------------

def test_the_list_is_newest_first_with_unread_marked_and_can_be_marked_read(app, client, create_user,
                                                                            idea_author, idea_id):
    otto, anna = create_user(display_name="Otto"), create_user(display_name="Anna")
    add_comment(app, otto, idea_id)
    add_comment(app, anna, idea_id)
    sign_in(client, idea_author)
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert page.index("Anna commented on your idea") < page.index("Otto commented on your idea")
    assert page.count("notification--unread") == 2 and "You have 2 unread notifications." in page
    assert '<span class="count" aria-hidden="true">2</span>' in page and "(2 unread)" in page
    assert "/comments/" in page  # each links to its comment
    response = client.post("/notifications/read")
    assert response.status_code == 302
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "notification--unread" not in page and 'class="count"' not in page
    assert all(n.read_at is not None for n in notifications_of(app, idea_author))


def test_notification_texts_follow_the_readers_language_and_name_deleted_people_as_former(
        app, client, create_user, idea_author, idea_id):
    from participation.accounts.privacy import delete_account
    otto = create_user(display_name="Otto")
    add_comment(app, otto, idea_id)
    with app.app_context():
        delete_account(db.session.get(User, otto.id))
        db.session.commit()
    sign_in(client, idea_author)
    english = client.get("/notifications?lang=en").get_data(as_text=True)
    assert "former participant commented on your idea" in english and "Otto" not in english
    with app.app_context():
        from flask_babel import force_locale, gettext
        with app.test_request_context(), force_locale("nl"):
            dutch_title = gettext("Notifications")
    assert f"<h1>{dutch_title}</h1>" in client.get("/notifications?lang=nl").get_data(as_text=True)


@pytest.mark.parametrize("kind, params, text", [
    (NotificationKind.STATUS_CHANGE, {"title": "Speeltuin"}, "There is news about “Speeltuin”: the status has"),
    (NotificationKind.STATUS_CHANGE, {"title": "Speeltuin", "status": "adopted"}, "There is news about “Speeltuin”: Adopted."),
    (NotificationKind.VOTING_OPENED, {"title": "Speeltuin"}, "You can now vote on “Speeltuin”"),
    (NotificationKind.VOTING_CLOSED, {"title": "Speeltuin"}, "Voting on “Speeltuin” has closed"),
    (NotificationKind.IDEA_IN_PROPOSAL, {"title": "Speeltuin", "idea_title": "Schommel"},
     "Your idea “Schommel” is now part of the proposal “Speeltuin”"),
    (NotificationKind.MODERATION, {"title": "Speeltuin"}, "A moderator made a decision about “Speeltuin”"),
])
def test_other_features_notifications_are_written_at_display_time(app, client, resident, catalogue, kind,
                                                                   params, text):
    proposal_id = make_proposal(app)
    with app.app_context():
        operations.notify([resident.id], kind, target_kind="proposal", target_id=proposal_id, params=params)
        db.session.commit()
    sign_in(client, resident)
    page = client.get("/notifications?lang=en").get_data(as_text=True)
    assert text in page and f'href="/proposals/{proposal_id}"' in page


def test_the_unread_count_is_one_cheap_query_and_none_for_visitors(app, client, resident, count_queries, catalogue):
    with count_queries() as anonymous:
        client.get("/about")
    assert not any("FROM notification" in statement for statement in anonymous.statements)
    sign_in(client, resident)
    with count_queries() as signed_in:
        client.get("/about")
    about_notifications = [s for s in signed_in.statements if "FROM notification" in s]
    assert len(about_notifications) == 1 and "count(notification.id)" in about_notifications[0]


def test_the_list_is_paged_and_bounded(app, client, resident, create_user, catalogue, count_queries):
    idea_id = make_idea(app, resident)
    others = [create_user(display_name=f"Buur {n}") for n in range(3)]
    sign_in(client, resident)

    def queries_for(path):
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    add_comment(app, others[0], idea_id)
    small = queries_for("/notifications")
    for n in range(24):
        add_comment(app, others[n % 3], idea_id, f"Nummer {n}")
    assert queries_for("/notifications") == small
    first = client.get("/notifications?lang=en").get_data(as_text=True)
    assert first.count('<article class="notification') == 20 and "Page 1 of 2" in first
    assert client.get("/notifications?page=2").get_data(as_text=True).count('<article class="notification') == 5
    for bad in ("abc", "-3", "0", "1.5", "9" * 40):
        assert client.get(f"/notifications?page={bad}").get_data(as_text=True).count('<article class="notification') == 20
    past_the_end = client.get("/notifications?page=999&lang=en").get_data(as_text=True)
    assert "Page 2 of 2" in past_the_end


def test_the_notification_list_needs_an_account(client):
    assert "/signin" in client.get("/notifications").location
    assert "/signin" in client.post("/notifications/read").location


# --- privacy -------------------------------------------------------------------

def test_the_data_download_has_comments_reports_follows_and_notifications(app, resident, create_user, idea_id):
    from participation.accounts.privacy import export_personal_data
    other = create_user()
    own = add_comment(app, resident, idea_id, "Van mij")
    add_comment(app, other, idea_id, reply_to=own)
    with app.app_context():
        person = db.session.get(User, resident.id)
        comments.report_content(person, "idea", idea_id, "spam", "reclame")
        db.session.commit()
        data = export_personal_data(person)
    assert [c["text"] for c in data["comments"]] == ["Van mij"]
    assert data["reports"][0]["category"] == "spam" and data["reports"][0]["text"] == "reclame"
    assert data["follows"] == [{"kind": "idea", "id": idea_id, "since": data["follows"][0]["since"]}]
    assert data["notifications"][0]["kind"] == "reply"


def test_deleting_an_account_forgets_its_follows_and_notifications(app, resident, create_user, idea_id):
    from participation.accounts.privacy import delete_account
    own = add_comment(app, resident, idea_id)
    add_comment(app, create_user(), idea_id, reply_to=own)
    assert follows(app, resident) and notifications_of(app, resident)
    with app.app_context():
        delete_account(db.session.get(User, resident.id))
        db.session.commit()
    assert follows(app, resident) == [] and notifications_of(app, resident) == []
