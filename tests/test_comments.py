"""Comments on ideas and proposals: posting, replies, editing, deleting, hiding,
reporting, counters, limits, sorting, paging and bounded queries."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from participation.accounts.models import User
from participation.comments import operations
from participation.comments.models import Comment, ContentKind, Report, ReportCategory
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.notifications.models import Follow
from participation.proposals.models import Proposal, ProposalStatus
from tests.conftest import sign_in
from tests.content_helpers import change, get, make_idea, make_proposal


def post(client, idea_id, body="Goed idee!", language="nl", kind="idea", **query):
    return client.post(f"/{kind}s/{idea_id}/comments", data={"comment-body": body, "comment-language": language},
                       query_string=query)


def reply(client, comment_id, body="Eens!", language="nl"):
    return client.post(f"/comments/{comment_id}/reply", data={"comment-body": body, "comment-language": language})


def comments_of(app, **where):
    with app.app_context():
        rows = db.session.scalars(select(Comment).filter_by(**where).order_by(Comment.id)).all()
        db.session.expunge_all()
        return rows


def comment_count(app, idea_id, model=Idea):
    with app.app_context():
        return db.session.scalar(select(model.comment_count).where(model.id == idea_id))


def add_comment(app, author, target_id, body="Tekst", kind="idea", reply_to=None, **fields):
    """Posted through the operation (no HTTP, no rate limit)."""
    with app.app_context():
        target = db.session.get(Idea if kind == "idea" else Proposal, target_id)
        parent = db.session.get(Comment, reply_to) if reply_to else None
        comment = operations.post_comment(db.session.get(User, author.id), target, body, "nl", reply_to=parent)
        for name, value in fields.items():
            setattr(comment, name, value)
        db.session.commit()
        return comment.id


def body_of(html, comment_id):
    match = re.search(rf'id="comment-{comment_id}">(.*?)</article>', html, re.S)
    assert match, f"comment {comment_id} is not on the page"
    return match.group(1)


@pytest.fixture
def idea_id(app, catalogue, create_user):
    return make_idea(app, create_user(display_name="Ida Idee"))


@pytest.fixture
def signed_in(client, resident):
    sign_in(client, resident)
    return client


# --- posting -------------------------------------------------------------------

def test_a_comment_is_posted_counted_shown_and_its_author_follows_the_idea(app, signed_in, resident, idea_id):
    response = post(signed_in, idea_id, "Goed **idee**, doen!")
    comment = comments_of(app)[0]
    assert response.status_code == 302
    assert response.location.endswith(f"#comment-{comment.id}")
    assert comment.body_html == "<p>Goed <strong>idee</strong>, doen!</p>"
    assert comment.author_id == resident.id and comment.language == "nl"
    assert comment_count(app, idea_id) == 1
    html = signed_in.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert "1 comment" in html and "Goed <strong>idee</strong>, doen!" in html
    assert f'href="/people/{resident.id}">Resi Dent</a>' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id)).where(
            Follow.user_id == resident.id, Follow.target_kind == "idea", Follow.target_id == idea_id)) == 1


def test_comments_on_proposals_count_on_the_proposal(app, signed_in, catalogue):
    proposal_id = make_proposal(app)
    assert post(signed_in, proposal_id, kind="proposal").status_code == 302
    assert comment_count(app, proposal_id, Proposal) == 1
    assert "Goed idee!" in signed_in.get(f"/proposals/{proposal_id}/comments").get_data(as_text=True)


def test_a_reply_to_a_reply_attaches_to_the_same_parent(app, signed_in, idea_id, create_user):
    other = create_user(display_name="Otto")
    top = add_comment(app, other, idea_id)
    assert reply(signed_in, top, "Eerste antwoord").status_code == 302
    first_reply = comments_of(app, parent_id=top)[0]
    assert reply(signed_in, first_reply.id, "Antwoord op het antwoord").status_code == 302
    replies = comments_of(app, parent_id=top)
    assert [r.body_markdown for r in replies] == ["Eerste antwoord", "Antwoord op het antwoord"]
    assert get(app, Comment, top).reply_count == 2
    assert comment_count(app, idea_id) == 3
    html = signed_in.get(f"/ideas/{idea_id}/comments").get_data(as_text=True)
    assert html.index("Eerste antwoord") < html.index("Antwoord op het antwoord")
    assert 'class="comments comments--replies"' in html


def test_the_reply_page_shows_what_is_answered_and_keeps_text_after_an_error(app, signed_in, idea_id, create_user):
    top = add_comment(app, create_user(display_name="Otto"), idea_id, "Waar komen de bomen?")
    page = signed_in.get(f"/comments/{top}/reply?lang=en").get_data(as_text=True)
    assert "Reply to Otto" in page and "Waar komen de bomen?" in page
    response = reply(signed_in, top, "x" * 2001)
    assert response.status_code == 200 and "x" * 2001 in response.get_data(as_text=True)


@pytest.mark.parametrize("body, message", [
    ("", "Write your comment"),
    ("   \n  ", "Write your comment"),
    ("x" * 2001, "at most 2000 characters. Now it has 2001"),
    ("a\x00b", "Remove the invisible or special characters"),
], ids=["empty", "blank", "too-long", "control-character"])
def test_bad_comments_give_a_message_and_keep_what_was_typed(app, signed_in, idea_id, body, message):
    response = post(signed_in, idea_id, body, language="de", lang="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'class="error-summary"' in html and 'href="#comment-body"' in html
    if body.strip() and "\x00" not in body:
        assert f"{body}</textarea>" in html  # nothing typed is lost
    assert '<option selected value="de">' in html  # the chosen language too
    assert comments_of(app) == [] and comment_count(app, idea_id) == 0


def test_two_thousand_characters_fit_and_a_line_break_counts_once(app, signed_in, idea_id):
    text = ("x" * 999 + "\r\n") * 2
    assert len(text.replace("\r\n", "\n")) == 2000
    assert post(signed_in, idea_id, text).status_code == 302
    assert comments_of(app)[0].body_markdown == text.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[klik hier](javascript:alert(1))",
    "[klik hier](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">link</a>',
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    "<iframe src=\"https://evil.example\"></iframe>",
    '<p style="background:url(javascript:alert(1))" onmouseover="alert(1)">hoi</p>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
])
def test_stored_xss_attempts_are_harmless(app, signed_in, idea_id, attack):
    assert post(signed_in, idea_id, "Kijk: " + attack).status_code == 302
    comment = comments_of(app)[0]
    html = signed_in.get(f"/ideas/{idea_id}/comments").get_data(as_text=True)
    shown = re.search(r'<div class="comment__body" lang="nl">(.*?)</div>', body_of(html, comment.id), re.S).group(1)
    for markup in (comment.body_html, shown):
        for tag, attributes in tags_in(markup):
            assert tag in {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "a"}, markup
            for name, value in attributes:
                assert name in {"href", "rel"}, markup  # no event handlers, no style
                if name == "href":
                    assert value.startswith(("http://", "https://", "mailto:")), markup


def tags_in(markup):
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(markup)
    return found


def test_links_are_kept_with_a_safe_rel(app, signed_in, idea_id):
    post(signed_in, idea_id, "Zie [de kaart](https://example.org/kaart)")
    assert comments_of(app)[0].body_html == (
        '<p>Zie <a href="https://example.org/kaart" rel="nofollow ugc noopener">de kaart</a></p>')


# --- who may comment where -----------------------------------------------------

def test_unverified_people_are_refused_with_the_reason(app, client, unverified_resident, idea_id):
    sign_in(client, unverified_resident)
    response = post(client, idea_id, lang="en")
    assert response.status_code == 403
    assert "First confirm your email address" in response.get_data(as_text=True)
    page = client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert "First confirm your email address, then you can comment" in page and "comment-body" not in page
    assert comments_of(app) == []


def test_anonymous_people_are_sent_to_sign_in(app, client, idea_id):
    response = post(client, idea_id)
    assert response.status_code == 302 and "/signin" in response.location
    assert "Sign in to comment" in client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert comments_of(app) == []


def test_a_withdrawn_idea_keeps_its_discussion_readable_but_closed(app, signed_in, resident, idea_id):
    add_comment(app, resident, idea_id, "Vroeger gezegd")
    change(app, Idea, idea_id, status=IdeaStatus.WITHDRAWN)
    page = signed_in.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert "Vroeger gezegd" in page and "This discussion is closed" in page and "comment-body" not in page
    assert ">Reply<" not in page and ">Change<" not in page
    assert post(signed_in, idea_id).status_code == 403
    assert comment_count(app, idea_id) == 1


@pytest.mark.parametrize("status", ["draft", "pending", "returned", "rejected", "hidden"])
def test_ideas_that_are_not_public_have_no_discussion(app, signed_in, idea_id, status):
    change(app, Idea, idea_id, status=IdeaStatus(status))
    assert signed_in.get(f"/ideas/{idea_id}/comments").status_code == 404
    assert post(signed_in, idea_id).status_code == 404
    assert comments_of(app) == []


def test_hidden_proposals_have_no_discussion_and_final_ones_are_closed(app, signed_in, catalogue):
    from participation.core.types import utcnow
    hidden, done = make_proposal(app), make_proposal(app, status=ProposalStatus.DONE)
    change(app, Proposal, hidden, hidden_at=utcnow(), hidden_reason="spam")
    assert signed_in.get(f"/proposals/{hidden}/comments").status_code == 404
    assert post(signed_in, hidden, kind="proposal").status_code == 404
    assert "This discussion is closed" in signed_in.get(f"/proposals/{done}/comments?lang=en").get_data(as_text=True)
    assert post(signed_in, done, kind="proposal").status_code == 403


# --- language ------------------------------------------------------------------

def test_the_language_is_marked_and_labelled_when_it_differs(app, client, resident, idea_id):
    add_comment(app, resident, idea_id, "Eine gute Idee", language="de")
    html = client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert '<div class="comment__body" lang="de">' in html and "written in Deutsch" in html
    assert "written in Deutsch" not in client.get(f"/ideas/{idea_id}/comments?lang=de").get_data(as_text=True)


def test_the_language_choice_defaults_to_the_page_language(app, signed_in, idea_id):
    html = signed_in.get(f"/ideas/{idea_id}/comments?lang=fr").get_data(as_text=True)
    assert '<option selected value="fr">' in html
    post(signed_in, idea_id, "Bonne idée", language="fr")
    assert comments_of(app)[0].language == "fr"


# --- editing -------------------------------------------------------------------

def test_own_comment_can_be_changed_within_fifteen_minutes_and_is_marked_edited(app, signed_in, resident, idea_id):
    comment_id = add_comment(app, resident, idea_id, "Eerst")
    form = signed_in.get(f"/comments/{comment_id}/edit").get_data(as_text=True)
    assert "Eerst</textarea>" in form
    response = signed_in.post(f"/comments/{comment_id}/edit",
                              data={"comment-body": "Daarna *beter*", "comment-language": "nl"})
    assert response.status_code == 302
    comment = get(app, Comment, comment_id)
    assert comment.body_html == "<p>Daarna <em>beter</em></p>" and comment.edited_at is not None
    assert '<span class="comment__edited">edited</span>' in signed_in.get(
        f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert comment_count(app, idea_id) == 1


def test_changing_is_refused_after_fifteen_minutes(app, signed_in, resident, idea_id):
    from participation.core.types import utcnow
    comment_id = add_comment(app, resident, idea_id, "Eerst")
    change(app, Comment, comment_id, created_at=utcnow() - timedelta(minutes=15, seconds=1))
    page = signed_in.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert f"/comments/{comment_id}/edit" not in page
    opened = signed_in.get(f"/comments/{comment_id}/edit?lang=en", follow_redirects=True)
    assert "only in the first 15 minutes" in opened.get_data(as_text=True)
    # Sent just too late: refused, but the text typed is shown so it is not lost.
    response = signed_in.post(f"/comments/{comment_id}/edit?lang=en",
                              data={"comment-body": "Te laat", "comment-language": "nl"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "only in the first 15 minutes" in html and "Te laat</textarea>" in html
    assert 'method="post"' not in html.split("<main", 1)[1]
    comment = get(app, Comment, comment_id)
    assert comment.body_markdown == "Eerst" and comment.edited_at is None


def test_others_cannot_change_or_delete_a_comment(app, signed_in, create_user, idea_id):
    comment_id = add_comment(app, create_user(display_name="Otto"), idea_id, "Van Otto")
    assert signed_in.post(f"/comments/{comment_id}/edit",
                          data={"comment-body": "Gekaapt", "comment-language": "nl"}).status_code == 403
    assert signed_in.post(f"/comments/{comment_id}/delete").status_code == 403
    assert get(app, Comment, comment_id).body_markdown == "Van Otto"


# --- deleting and hiding -------------------------------------------------------

def test_deleting_keeps_a_placeholder_so_replies_make_sense(app, signed_in, resident, create_user, idea_id):
    comment_id = add_comment(app, resident, idea_id, "Mijn mening")
    add_comment(app, create_user(display_name="Otto"), idea_id, "Daar ben ik het mee eens", reply_to=comment_id)
    assert "Delete your comment" in signed_in.get(f"/comments/{comment_id}/delete?lang=en").get_data(as_text=True)
    assert signed_in.post(f"/comments/{comment_id}/delete").status_code == 302
    comment = get(app, Comment, comment_id)
    assert comment.deleted_at is not None and comment.body_markdown == "" and comment.body_html == ""
    html = signed_in.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert "Mijn mening" not in html
    assert "Comment deleted by its author." in body_of(html, comment_id)
    assert "Daar ben ik het mee eens" in html
    assert comment_count(app, idea_id) == 1
    # Deleting again changes nothing (and is not offered).
    assert signed_in.post(f"/comments/{comment_id}/delete").status_code == 403
    assert comment_count(app, idea_id) == 1


def test_a_deleted_comment_without_replies_leaves_the_list(app, signed_in, resident, idea_id):
    comment_id = add_comment(app, resident, idea_id, "Weg ermee")
    signed_in.post(f"/comments/{comment_id}/delete")
    html = signed_in.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert f'id="comment-{comment_id}"' not in html and "0 comments" in html


def test_a_deleted_reply_counts_down_its_parent(app, signed_in, resident, create_user, idea_id):
    top = add_comment(app, create_user(display_name="Otto"), idea_id)
    reply_id = add_comment(app, resident, idea_id, "Oeps", reply_to=top)
    signed_in.post(f"/comments/{reply_id}/delete")
    assert get(app, Comment, top).reply_count == 0 and comment_count(app, idea_id) == 1


def test_hidden_comments_show_the_moderators_reason_and_do_not_count(app, client, resident, idea_id):
    comment_id = add_comment(app, resident, idea_id, "Koop nu goedkope horloges")
    with app.app_context():
        assert operations.hide_comment(db.session.get(Comment, comment_id), "spam")
        assert not operations.hide_comment(db.session.get(Comment, comment_id), "spam")  # once
        db.session.commit()
    assert comment_count(app, idea_id) == 0
    html = client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert "Hidden by the moderators: spam or advertising." in body_of(html, comment_id)
    assert "horloges" not in html
    with app.app_context():
        assert operations.show_comment(db.session.get(Comment, comment_id))
        db.session.commit()
    assert comment_count(app, idea_id) == 1


def test_deleting_a_hidden_comment_does_not_count_it_twice(app, signed_in, resident, idea_id):
    comment_id = add_comment(app, resident, idea_id)
    with app.app_context():
        operations.hide_comment(db.session.get(Comment, comment_id), "offensive")
        db.session.commit()
    assert signed_in.post(f"/comments/{comment_id}/delete").status_code == 302
    assert comment_count(app, idea_id) == 0


def test_hidden_comments_cannot_be_replied_to_or_changed(app, signed_in, resident, create_user, idea_id):
    other = add_comment(app, create_user(display_name="Otto"), idea_id)
    own = add_comment(app, resident, idea_id)
    with app.app_context():
        for comment_id in (other, own):
            operations.hide_comment(db.session.get(Comment, comment_id), "offensive")
        db.session.commit()
    assert reply(signed_in, other).status_code == 403
    assert signed_in.post(f"/comments/{own}/edit",
                          data={"comment-body": "x", "comment-language": "nl"}).status_code == 403


# --- counts under concurrency --------------------------------------------------

def test_concurrent_comments_keep_the_counts_exact(app, make_app, create_user, idea_id):
    people = [create_user(display_name=f"Buur {n}") for n in range(8)]
    top = add_comment(app, people[0], idea_id)
    clients = []
    for person in people:
        client = app.test_client()
        sign_in(client, person)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def act(client):
        barrier.wait()
        statuses.append(post(client, idea_id, "Tegelijk").status_code)
        statuses.append(reply(client, top, "Ook tegelijk").status_code)

    threads = [threading.Thread(target=act, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 16
    with app.app_context():
        visible = db.session.scalar(select(func.count(Comment.id)).where(Comment.idea_id == idea_id))
        assert visible == 17
        assert db.session.get(Idea, idea_id).comment_count == 17
        assert db.session.get(Comment, top).reply_count == 8


# --- sorting, paging, bounded queries ------------------------------------------

def test_sorting_and_pages(app, client, resident, idea_id):
    ids = [add_comment(app, resident, idea_id, f"Nummer {n}") for n in range(25)]
    first = client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert first.count('class="comment"') == 20 and "Nummer 0<" in first and "Nummer 20<" not in first
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get(f"/ideas/{idea_id}/comments?page=2").get_data(as_text=True)
    assert second.count('class="comment"') == 5 and "Nummer 24<" in second
    newest = client.get(f"/ideas/{idea_id}/comments?sort=newest").get_data(as_text=True)
    assert newest.index("Nummer 24<") < newest.index("Nummer 23<") and "Nummer 4<" not in newest
    # The permalink finds the page of a comment.
    assert client.get(f"/comments/{ids[22]}").location.endswith(f"?page=2#comment-{ids[22]}")
    early = client.get(f"/comments/{ids[3]}").location
    assert early.endswith(f"#comment-{ids[3]}") and "page=" not in early


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=0", "page=99", "page=1e3",
                                   "page=" + "9" * 40, "sort=sideways", "sort=", "sort=newest&page=%00"])
def test_bad_parameters_give_the_defaults(app, client, resident, idea_id, query):
    add_comment(app, resident, idea_id, "Alleen ik")
    response = client.get(f"/ideas/{idea_id}/comments?{query}")
    assert response.status_code == 200 and "Alleen ik" in response.get_data(as_text=True)


def test_a_discussion_page_is_a_fixed_number_of_queries(app, client, resident, create_user, idea_id, count_queries):
    sign_in(client, resident)
    others = [create_user(display_name=f"Buur {n}") for n in range(4)]

    def queries_for_page():
        with count_queries() as counter:
            assert client.get(f"/ideas/{idea_id}/comments").status_code == 200
        return counter.count

    top = add_comment(app, others[0], idea_id)
    add_comment(app, others[1], idea_id, reply_to=top)
    small = queries_for_page()
    for n in range(30):
        parent = add_comment(app, others[n % 4], idea_id)
        for person in others[:3]:
            add_comment(app, person, idea_id, reply_to=parent)
    assert queries_for_page() == small
    # the person (3: with staff scopes), unread count, idea, count, page of comments, their replies
    assert small <= 8, small


# --- reports -------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["idea", "proposal", "comment"])
def test_content_can_be_reported_once(app, signed_in, resident, create_user, idea_id, kind):
    other = create_user(display_name="Otto")
    content_id = {"idea": lambda: idea_id, "proposal": lambda: make_proposal(app, other),
                  "comment": lambda: add_comment(app, other, idea_id)}[kind]()
    page = signed_in.get(f"/report/{kind}/{content_id}?lang=en").get_data(as_text=True)
    assert "Report to the moderators" in page and 'name="category"' in page
    response = signed_in.post(f"/report/{kind}/{content_id}", data={"category": "offensive", "text": "Niet aardig"})
    assert response.status_code == 302
    again = signed_in.post(f"/report/{kind}/{content_id}?lang=en", data={"category": "spam"})
    assert "You already reported this" in again.get_data(as_text=True)
    with app.app_context():
        [report] = db.session.scalars(select(Report)).all()
        assert (report.reporter_id, report.content_kind, report.content_id) == (resident.id, ContentKind(kind), content_id)
        assert report.category == ReportCategory.OFFENSIVE and report.text == "Niet aardig"


def test_report_content_refuses_a_second_report(app, resident, idea_id):
    with app.app_context():
        reporter = db.session.get(User, resident.id)
        operations.report_content(reporter, "idea", idea_id, "spam", None)
        with pytest.raises(operations.AlreadyReported):
            operations.report_content(reporter, ContentKind.IDEA, idea_id, ReportCategory.OTHER, "nog eens")
        db.session.commit()
        assert db.session.scalar(select(func.count(Report.id))) == 1


def test_a_report_needs_a_category(app, signed_in, idea_id):
    response = signed_in.post(f"/report/idea/{idea_id}?lang=en", data={"text": "x" * 1001})
    html = response.get_data(as_text=True)
    assert "Choose what is wrong with it" in html and "at most 1000 characters" in html and "x" * 1001 in html
    assert get(app, Report, 1) is None


def test_reporting_is_refused_for_own_content_unknown_kinds_and_hidden_content(app, signed_in, resident, idea_id):
    own = add_comment(app, resident, idea_id)
    assert signed_in.get(f"/report/comment/{own}").status_code == 403
    assert signed_in.get(f"/report/workshop/{idea_id}").status_code == 404
    assert signed_in.get(f"/report/comment/999999").status_code == 404
    change(app, Idea, idea_id, status=IdeaStatus.HIDDEN)
    assert signed_in.get(f"/report/idea/{idea_id}").status_code == 404


def test_unverified_people_cannot_report(app, client, unverified_resident, idea_id):
    sign_in(client, unverified_resident)
    assert client.post(f"/report/idea/{idea_id}", data={"category": "spam"}).status_code == 403


# --- rate limits -----------------------------------------------------------------

def test_posting_is_limited_per_account(make_app, catalogue, create_user):
    app = make_app(COMMENT_RATE_LIMIT="3 per minute")
    idea_id = make_idea(app, None)
    first, second = create_user(), create_user()
    client = app.test_client()
    sign_in(client, first)
    statuses = [post(client, idea_id, f"Nummer {n}", lang="en").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    other = app.test_client()
    sign_in(other, second)
    assert post(other, idea_id).status_code == 302  # the next person on the same address is not blocked
    assert comment_count(app, idea_id) == 4


# --- helpers others include ------------------------------------------------------

def test_the_discussion_partial_loads_its_own_data(app, resident, idea_id):
    from flask import render_template_string
    add_comment(app, resident, idea_id, "Via het stukje")
    with app.test_request_context(f"/ideas/{idea_id}?lang=en"):
        idea = db.session.get(Idea, idea_id)
        html = render_template_string(
            "{% set target_kind, target = 'idea', idea %}{% include 'comments/_discussion.html' %}", idea=idea)
    assert "Via het stukje" in html and 'id="comments"' in html and f'action="/ideas/{idea_id}/comments"' not in html


def test_counters_survive_a_database_update_elsewhere(app, resident, idea_id):
    """The counter is an UPDATE … + 1, not a read-modify-write of a stale value."""
    comment_id = add_comment(app, resident, idea_id)
    with app.app_context():
        stale = db.session.get(Idea, idea_id)
        assert stale.comment_count == 1
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(comment_count=5))
        operations.post_comment(db.session.get(User, resident.id), stale, "meer", "nl",
                                reply_to=db.session.get(Comment, comment_id))
        db.session.commit()
        assert db.session.get(Idea, idea_id).comment_count == 6


def test_the_comment_form_carries_a_working_csrf_token(app, make_app, resident, idea_id):
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sign_in_data = {"email": resident.email, "password": "lange vrije zin om in te loggen", "csrf_token": token}
    assert client.post("/signin", data=sign_in_data).status_code == 302
    page = client.get(f"/ideas/{idea_id}/comments").get_data(as_text=True)
    token = re.search(r'name="comment-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/ideas/{idea_id}/comments", data={
        "comment-csrf_token": token, "comment-body": "Met token", "comment-language": "nl"})
    assert response.status_code == 302 and comment_count(app, idea_id) == 1


def test_a_comment_leaves_the_ideas_own_change_time_alone(app, resident, idea_id):
    before = get(app, Idea, idea_id).updated_at
    add_comment(app, resident, idea_id)
    assert get(app, Idea, idea_id).updated_at == before
