"""Ideas: sending (post- and pre-moderated), drafts, changing, withdrawing,
states as the author sees them, supports (exact under concurrency), photos,
stored XSS, form errors, lists with filters and pages, visibility in every
place, translations by staff, bounded queries."""
import io
import re
import struct
import threading
import zlib
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from participation.accounts.models import User
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas import operations, photos, queries
from participation.ideas.models import Idea, IdeaStatus, IdeaTranslation, Support
from participation.notifications.models import Follow, FollowTarget
from participation.programme.models import Initiative, Moderation, Neighbourhood
from tests.conftest import sign_in

# --- helpers --------------------------------------------------------------------------


def initiative_row(app, moderation=Moderation.POST, index=0):
    """(id, slug) of an initiative of the catalogue, set to the given moderation."""
    with app.app_context():
        initiative = db.session.scalars(select(Initiative).order_by(Initiative.id)).all()[index]
        initiative.moderation = moderation
        db.session.commit()
        return initiative.id, initiative.slug


def neighbourhood_in(app, initiative_id):
    """A neighbourhood in the initiative's area: (id, municipality slug, slug)."""
    with app.app_context():
        initiative = db.session.get(Initiative, initiative_id)
        municipality = initiative.municipalities[0]
        place = municipality.neighbourhoods[0]
        return place.id, municipality.slug, place.slug


def idea_rows(app, **where):
    with app.app_context():
        rows = db.session.scalars(select(Idea).filter_by(**where).order_by(Idea.id)).all()
        db.session.expunge_all()
        return rows


def reload(app, idea_id):
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        db.session.expunge(idea)
        return idea


def set_columns(app, idea_id, **values):
    with app.app_context():
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
        db.session.commit()


def started(client) -> str:
    """The signed start time of the human-checked form, as the page would give it."""
    import time

    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(client.application.config["SECRET_KEY"], salt="form-started").dumps(time.time() - 60)


def good_data(client, initiative_id, **changes):
    data = {
        "initiative": str(initiative_id), "neighbourhood": "", "title": "Bankjes bij de speeltuin",
        "text": "Zet **twee bankjes** bij de speeltuin,\nzodat ouders kunnen zitten.", "language": "nl",
        "photo_alt": "", "action": "send", "form_started": started(client),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post_form(client, path, data):
    """POST as multipart/form-data, encoded in memory (the test client spools
    large bodies to a temporary file that it never closes)."""
    values = {key: FileStorage(*value) if isinstance(value, tuple) else value for key, value in data.items()}
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def post_idea(client, initiative_id, lang="en", **changes):
    return post_form(client, f"/ideas/new?lang={lang}", good_data(client, initiative_id, **changes))


def image_bytes(size=(400, 300), format="JPEG", mode="RGB", color="green", **save):
    buffer = io.BytesIO()
    with Image.new(mode, size, color) as image:
        image.save(buffer, format, **save)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg"):
    return (io.BytesIO(data), name)


def status_of(client, path) -> int:
    """The status of a GET, with the response closed (file responses hold the file open)."""
    response = client.get(path)
    response.close()
    return response.status_code


def stored_photo(app, idea_id):
    with app.app_context():
        name = db.session.scalar(select(Idea.photo).where(Idea.id == idea_id))
        return name, photos.path_for(name) if name else None


def png_with_declared_size(width, height) -> bytes:
    """A tiny PNG file whose header claims a huge image (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture
def post_moderated(app, catalogue):
    return initiative_row(app, Moderation.POST)


@pytest.fixture
def pre_moderated(app, catalogue):
    return initiative_row(app, Moderation.PRE)


@pytest.fixture
def signed_in(app, client, resident):
    sign_in(client, resident)
    return client


@pytest.fixture
def upload_folder(app, tmp_path):
    """Photos of this test in a folder of its own."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / "ideas"


# --- who may send -----------------------------------------------------------------------

def test_anonymous_people_are_asked_to_sign_in(client, post_moderated):
    response = client.get("/ideas/new")
    assert response.status_code == 302 and "/signin" in response.location
    assert post_idea(client, post_moderated[0]).status_code == 302
    assert idea_rows(client.application) == []


def test_unconfirmed_people_see_why_they_cannot_send(client, app, post_moderated, unverified_resident):
    sign_in(client, unverified_resident)
    assert client.get("/ideas/new").status_code == 403
    assert post_idea(client, post_moderated[0]).status_code == 403
    assert idea_rows(app) == []


# --- sending, states -----------------------------------------------------------------------

def test_post_moderated_idea_is_published_at_once_and_followed(signed_in, app, post_moderated, resident, client):
    response = post_idea(signed_in, post_moderated[0])
    [idea] = idea_rows(app)
    assert response.status_code == 302 and response.location.endswith(f"/ideas/{idea.id}")
    assert idea.status == IdeaStatus.PUBLISHED and idea.published_at and idea.submitted_at
    assert idea.author_id == resident.id and idea.language == "nl"
    assert idea.body_html == "<p>Zet <strong>twee bankjes</strong> bij de speeltuin,<br>\nzodat ouders kunnen zitten.</p>"
    with app.app_context():
        assert db.session.scalar(select(func.count(Follow.id)).where(
            Follow.user_id == resident.id, Follow.target_kind == FollowTarget.IDEA, Follow.target_id == idea.id)) == 1
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Thank you! Your idea is published." in page and "Bankjes bij de speeltuin" in page
    assert "Bankjes bij de speeltuin" in app.test_client().get(f"/ideas/{idea.id}").get_data(as_text=True)


def test_pre_moderated_idea_waits_for_review(signed_in, app, pre_moderated, create_user):
    post_idea(signed_in, pre_moderated[0])
    [idea] = idea_rows(app)
    assert idea.status == IdeaStatus.PENDING and idea.published_at is None
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Waiting for review" in page and "A moderator checks your idea" in page
    assert "Waiting for review" in signed_in.get("/my/ideas?lang=en").get_data(as_text=True)
    assert app.test_client().get(f"/ideas/{idea.id}").status_code == 404
    other = app.test_client()
    sign_in(other, create_user())
    assert other.get(f"/ideas/{idea.id}").status_code == 404


def test_the_language_defaults_to_the_interface_language(signed_in, post_moderated):
    page = signed_in.get("/ideas/new?lang=de").get_data(as_text=True)
    assert re.search(r'<option selected value="de">|<option value="de" selected>', page)


def test_initiative_is_preselected_from_the_address(signed_in, post_moderated):
    page = signed_in.get(f"/ideas/new?initiative={post_moderated[1]}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{post_moderated[0]}">', page)


def test_a_draft_is_private_until_sent(signed_in, app, post_moderated):
    post_idea(signed_in, post_moderated[0], action="draft")
    [idea] = idea_rows(app)
    assert idea.status == IdeaStatus.DRAFT and idea.submitted_at is None
    assert app.test_client().get(f"/ideas/{idea.id}").status_code == 404
    assert "Only you can see this draft" in signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    data = good_data(signed_in, post_moderated[0], title="Bankjes, nu klaar")
    response = post_form(signed_in, f"/ideas/{idea.id}/edit", data)
    assert response.status_code == 302
    idea = reload(app, idea.id)
    assert idea.status == IdeaStatus.PUBLISHED and idea.title == "Bankjes, nu klaar"


def test_the_author_changes_a_pending_idea_and_it_stays_pending(signed_in, app, pre_moderated):
    post_idea(signed_in, pre_moderated[0])
    [idea] = idea_rows(app)
    page = signed_in.get(f"/ideas/{idea.id}/edit?lang=en").get_data(as_text=True)
    assert 'value="Bankjes bij de speeltuin"' in page and "Save changes" in page
    data = good_data(signed_in, pre_moderated[0], title="Drie bankjes", text="Nu *drie*.", action="save")
    assert post_form(signed_in, f"/ideas/{idea.id}/edit", data).status_code == 302
    idea = reload(app, idea.id)
    assert (idea.status, idea.title, idea.body_html) == (IdeaStatus.PENDING, "Drie bankjes", "<p>Nu <em>drie</em>.</p>")


def test_a_returned_idea_is_sent_again_and_waits_for_review(signed_in, app, resident, create_idea, post_moderated):
    idea = create_idea(author=resident, status="returned", status_reason="off_topic",
                       status_message="Vertel waar de bankjes moeten staan.")
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Returned with a reason: Vertel waar de bankjes moeten staan." in page
    assert "Change your idea" in page
    data = good_data(signed_in, idea.initiative_id, title="Bankjes bij de Maas", action="send")
    assert post_form(signed_in, f"/ideas/{idea.id}/edit", data).status_code == 302
    idea = reload(app, idea.id)
    # Even on a post-moderated initiative: a moderator looks again.
    assert idea.status == IdeaStatus.PENDING and idea.status_message is None


@pytest.mark.parametrize("status, text", [
    ("published", "Your idea is published."),
    ("rejected", "Rejected: Dit gaat over iets anders."),
    ("hidden", "Hidden: Dit gaat over iets anders."),
    ("withdrawn", "The author withdrew this idea on"),
])
def test_the_author_always_sees_the_state(signed_in, resident, create_idea, status, text):
    idea = create_idea(author=resident, status=status, status_message="Dit gaat over iets anders.")
    assert text in signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    mine = signed_in.get("/my/ideas?lang=en").get_data(as_text=True)
    assert idea.title in mine and {"published": "Published", "rejected": "Rejected", "hidden": "Hidden",
                                   "withdrawn": "Withdrawn"}[status] in mine


def test_a_reason_code_without_a_message_is_shown_in_words(signed_in, resident, create_idea):
    idea = create_idea(author=resident, status="hidden", status_reason="spam")
    assert "Hidden: spam or advertising" in signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)


def test_my_ideas_needs_sign_in_and_shows_only_ones_own(client, app, resident, create_idea):
    assert client.get("/my/ideas").status_code == 302
    create_idea(title="Van iemand anders")
    create_idea(author=resident, title="Mijn eigen idee", status="draft")
    sign_in(client, resident)
    page = client.get("/my/ideas?lang=en").get_data(as_text=True)
    assert "Mijn eigen idee" in page and "Van iemand anders" not in page


@pytest.mark.parametrize("status", ["published", "rejected", "hidden", "withdrawn"])
def test_ideas_cannot_be_changed_once_out_of_the_authors_hands(signed_in, app, resident, create_idea, status):
    idea = create_idea(author=resident, status=status, title="Vast")
    assert signed_in.get(f"/ideas/{idea.id}/edit").status_code == 302
    data = good_data(signed_in, idea.initiative_id, title="Veranderd")
    post_form(signed_in, f"/ideas/{idea.id}/edit", data)
    assert reload(app, idea.id).title == "Vast"


def test_others_cannot_change_or_withdraw_an_idea(signed_in, app, create_idea):
    idea = create_idea(status="pending", title="Van een ander")
    assert signed_in.get(f"/ideas/{idea.id}/edit").status_code == 404
    assert signed_in.post(f"/ideas/{idea.id}/withdraw").status_code == 404
    assert reload(app, idea.id).status == IdeaStatus.PENDING


def test_withdrawn_published_idea_stays_readable(signed_in, app, resident, create_idea):
    idea = create_idea(author=resident, title="Meer bomen")
    assert "Withdraw your idea?" in signed_in.get(f"/ideas/{idea.id}/withdraw?lang=en").get_data(as_text=True)
    assert signed_in.post(f"/ideas/{idea.id}/withdraw").status_code == 302
    idea = reload(app, idea.id)
    assert idea.status == IdeaStatus.WITHDRAWN and idea.withdrawn_at
    page = app.test_client().get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Meer bomen" in page and "The author withdrew this idea" in page
    assert "Support this idea" not in page
    assert "Meer <mark>bomen</mark>" in app.test_client().get("/search?q=bomen").get_data(as_text=True)


def test_withdrawing_an_idea_never_published_keeps_it_private(signed_in, app, resident, create_idea):
    idea = create_idea(author=resident, status="pending", title="Nooit gepubliceerd")
    assert signed_in.post(f"/ideas/{idea.id}/withdraw").status_code == 302
    assert reload(app, idea.id).status == IdeaStatus.WITHDRAWN
    assert app.test_client().get(f"/ideas/{idea.id}").status_code == 404
    assert "Nooit gepubliceerd" not in app.test_client().get("/search?q=gepubliceerd").get_data(as_text=True)
    assert signed_in.get(f"/ideas/{idea.id}").status_code == 200


@pytest.mark.parametrize("status", ["rejected", "hidden"])
def test_rejected_or_hidden_ideas_are_not_withdrawn_into_sight(signed_in, app, resident, create_idea, status):
    idea = create_idea(author=resident, status=status)
    signed_in.post(f"/ideas/{idea.id}/withdraw")
    assert reload(app, idea.id).status == IdeaStatus(status)
    assert app.test_client().get(f"/ideas/{idea.id}").status_code == 404


def test_sending_the_same_idea_twice_makes_one_idea(signed_in, app, post_moderated):
    """Chosen behaviour: a double tap (or the form sent again) within ten minutes gives the first idea back."""
    first = post_idea(signed_in, post_moderated[0])
    second = post_idea(signed_in, post_moderated[0])
    [idea] = idea_rows(app)
    assert first.location == second.location == f"/ideas/{idea.id}"
    assert "You already sent this idea" in signed_in.get(second.location + "?lang=en").get_data(as_text=True)
    post_idea(signed_in, post_moderated[0], title="Een ander idee")
    assert len(idea_rows(app)) == 2


def test_sending_is_limited_per_account(make_app, catalogue, create_user):
    app = make_app(IDEA_SUBMIT_RATE_LIMIT="2 per hour")
    initiative_id, _ = initiative_row(app)
    client = app.test_client()
    sign_in(client, create_user())
    statuses = [post_idea(client, initiative_id, title=f"Idee {n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    other = app.test_client()
    sign_in(other, create_user())
    assert post_idea(other, initiative_id).status_code == 302


def test_the_neighbourhood_must_be_in_the_initiatives_area(signed_in, app, post_moderated):
    with app.app_context():
        initiative = db.session.get(Initiative, post_moderated[0])
        inside = {m.id for m in initiative.municipalities}
        outside = db.session.scalars(select(Neighbourhood.id).where(Neighbourhood.municipality_id.not_in(inside))).first()
    response = post_idea(signed_in, post_moderated[0], neighbourhood=str(outside))
    assert response.status_code == 200
    assert "not in the area of the initiative" in response.get_data(as_text=True)
    place_id, _, _ = neighbourhood_in(app, post_moderated[0])
    assert post_idea(signed_in, post_moderated[0], neighbourhood=str(place_id)).status_code == 302
    assert idea_rows(app)[0].neighbourhood_id == place_id


# --- form errors, XSS ---------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Give your idea a title"),
    ("title", "x" * 121, "The title can be at most 120 characters long"),
    ("text", "", "Describe your idea"),
    ("text", "   \n  ", "Describe your idea"),
    ("text", "x" * 5001, "The text can be at most 5000 characters long"),
    ("text", "Nul\x00byte", "Remove the invisible or special characters"),
    ("initiative", "", "Choose the initiative your idea is for"),
    ("initiative", "abc", "Not a valid choice"),
    ("initiative", "99999", "Not a valid choice"),
    ("neighbourhood", "99999", "Not a valid choice"),
    ("language", "xx", "Not a valid choice"),
    ("photo_alt", "x" * 201, "The description can be at most 200 characters long"),
])
def test_bad_input_gives_a_message_on_the_field_and_keeps_what_was_typed(signed_in, app, post_moderated, field,
                                                                          value, message):
    response = post_idea(signed_in, post_moderated[0], **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'class="error-summary"' in html and f'href="#{field}"' in html and f'id="{field}-error"' in html
    if field != "title":
        assert 'value="Bankjes bij de speeltuin"' in html
    if field != "text":
        assert "Zet **twee bankjes** bij de speeltuin," in html
    assert idea_rows(app) == []


def test_text_of_exactly_5000_characters_with_line_breaks_is_accepted(signed_in, app, post_moderated):
    text = ("a" * 99 + "\r\n") * 50  # 5000 characters as a browser counts them (CRLF sent as two)
    assert post_idea(signed_in, post_moderated[0], text=text[:-2]).status_code == 302


@pytest.mark.parametrize("title, text", [
    ('<script>alert("t")</script>', '<script>alert("x")</script>'),
    ('<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)> <b onmouseover="alert(1)">b</b>'),
    ('"><svg onload=alert(1)>', '<svg><script>alert(1)</script></svg> <svg/onload=alert(1)>'),
    ("javascript:alert(1)", "[klik](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) <a href=\"javascript:alert(1)\">a</a>"),
])
def test_stored_xss_attempts_are_harmless(signed_in, app, post_moderated, title, text):
    post_idea(signed_in, post_moderated[0], title=title, text=text)
    [idea] = idea_rows(app)
    assert idea.title == title  # stored as typed, escaped on output
    assert_harmless(idea.body_html)
    for path in (f"/ideas/{idea.id}", f"/initiatives/{post_moderated[1]}/ideas", f"/initiatives/{post_moderated[1]}",
                 "/my/ideas", "/search?q=alert", "/search?q=klik"):
        html = signed_in.get(path).get_data(as_text=True)
        main = html[html.index('<main'):html.index('</main>')]
        assert_harmless(main)


def assert_harmless(html: str) -> None:
    """No element that runs script: no <script>, <svg>, <img>, event handler or javascript:/data: link.
    (The same text shown escaped, as &lt;script&gt;, is harmless.)"""
    lowered = html.lower()
    assert not re.search(r"<\s*(script|svg|img|iframe|object|embed|style)\b", lowered), html
    assert not re.search(r"<[^>]*\son\w+\s*=", lowered), html
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", lowered), html


def test_links_in_ideas_get_rel_nofollow_ugc_noopener(signed_in, app, post_moderated):
    post_idea(signed_in, post_moderated[0], text="Zie [de kaart](https://example.org/kaart) en https://example.com")
    [idea] = idea_rows(app)
    assert idea.body_html.count('rel="nofollow ugc noopener"') == 2


# --- photos ---------------------------------------------------------------------------------------

def test_photo_with_gps_is_stripped_turned_upright_resized_and_served(signed_in, app, post_moderated, upload_folder):
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Telefoon X"
    exif[ExifTags.Base.Orientation] = 6  # the phone was held upright: turn 90° on display
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 51.0, 3.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 41.0, 2.0)
    original = image_bytes((4000, 3000), exif=exif.tobytes())
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has a position
    response = post_idea(signed_in, post_moderated[0], photo=upload(original, "IMG_0001.JPG"),
                         photo_alt="Een lege speeltuin")
    assert response.status_code == 302
    [idea] = idea_rows(app)
    name, path = stored_photo(app, idea.id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.jpg", name) and path.parent == upload_folder
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (1200, 1600)  # upright, longest side 1600
        assert not stored.getexif() and "exif" not in stored.info
    page = signed_in.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'src="/ideas/photos/{name}" alt="Een lege speeltuin"' in page
    served = app.test_client().get(f"/ideas/photos/{name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in served.headers["Cache-Control"]
    assert served.data == path.read_bytes()
    served.close()


def test_photo_without_description_gets_a_default_alt_text(signed_in, app, post_moderated, upload_folder):
    post_idea(signed_in, post_moderated[0], photo=upload(image_bytes()))
    [idea] = idea_rows(app)
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert 'alt="Photo with the idea: Bankjes bij de speeltuin"' in page


def test_png_with_transparency_is_stored_as_webp(signed_in, app, post_moderated, upload_folder):
    data = image_bytes((300, 200), "PNG", mode="RGBA", color=(0, 128, 0, 100))
    post_idea(signed_in, post_moderated[0], photo=upload(data, "logo.png"))
    name, path = stored_photo(app, idea_rows(app)[0].id)
    assert name.endswith(".webp")
    with Image.open(path) as stored:
        assert stored.format == "WEBP" and stored.mode == "RGBA" and stored.size == (300, 200)
    served = app.test_client().get(f"/ideas/photos/{name}")
    assert served.mimetype == "image/webp"
    served.close()


@pytest.mark.parametrize("data, name, message", [
    (b"Dit is geen foto, maar tekst.\n" * 20, "vakantie.jpg", "This file is not a photo we can use"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "plaatje.png", "This file is not a photo we can use"),
    (b"GIF89a" + b"\x00" * 100, "bewegend.gif", "This file is not a photo we can use"),
    (image_bytes(format="BMP"), "oud.jpg", "This file is not a photo we can use"),
    (image_bytes()[:200], "afgebroken.jpg", "This file is not a photo we can use"),
    (png_with_declared_size(100_000, 100_000), "bom.png", "This photo has too many pixels"),
])
def test_files_that_are_no_usable_photo_are_refused_on_the_field(signed_in, app, post_moderated, upload_folder,
                                                                data, name, message):
    response = post_idea(signed_in, post_moderated[0], photo=upload(data, name))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert 'href="#photo"' in html and 'id="photo-error"' in html
    assert 'value="Bankjes bij de speeltuin"' in html and "Zet **twee bankjes**" in html  # nothing typed lost
    assert idea_rows(app) == []
    assert not upload_folder.exists() or not any(upload_folder.iterdir())


@pytest.mark.parametrize("size", [(40, 40), (100, 100)])  # above the limit (a warning in Pillow), above twice it (an error)
def test_images_over_the_pixel_limit_are_refused(signed_in, app, post_moderated, upload_folder, monkeypatch, size):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    response = post_idea(signed_in, post_moderated[0], photo=upload(image_bytes(size, "PNG"), "groot.png"))
    assert "This photo has too many pixels" in response.get_data(as_text=True)
    assert idea_rows(app) == []


def test_photo_over_8_mb_is_refused_on_the_field(signed_in, app, post_moderated, upload_folder):
    data = image_bytes() + b"\x00" * (8 * 1024 * 1024)
    response = post_idea(signed_in, post_moderated[0], photo=upload(data))
    assert "The photo is larger than 8 MB" in response.get_data(as_text=True)
    assert idea_rows(app) == []


@pytest.mark.parametrize("csrf", [False, True])
def test_an_upload_of_20_mb_gets_the_translated_413_page(make_app, catalogue, create_user, csrf):
    app = make_app(WTF_CSRF_ENABLED=csrf)
    initiative_id, _ = initiative_row(app)
    client = app.test_client()
    sign_in(client, create_user())
    # Encoded in memory: the test client would spool it to a temporary file it never closes.
    boundary, body = encode_multipart({"initiative": str(initiative_id), "title": "Groot", "text": "Groot",
                                       "photo": FileStorage(io.BytesIO(b"\xff" * (20 * 1024 * 1024)),
                                                                           "groot.jpg", content_type="image/jpeg")})
    response = client.post("/ideas/new?lang=de", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Die Datei ist zu groß" in response.get_data(as_text=True)
    assert idea_rows(app) == []


def test_a_good_photo_is_kept_when_another_field_has_a_problem(signed_in, app, post_moderated, upload_folder,
                                                                create_user):
    response = post_idea(signed_in, post_moderated[0], title="", photo=upload(image_bytes(), "IMG_7.jpg"))
    html = response.get_data(as_text=True)
    assert "Give your idea a title" in html and "We kept the photo you chose (IMG_7.jpg)" in html
    kept = re.search(r'name="kept_photo" type="hidden" value="([^"]+)"', html).group(1)
    post_idea(signed_in, post_moderated[0], kept_photo=kept)
    [idea] = idea_rows(app)
    name, path = stored_photo(app, idea.id)
    assert path.is_file()
    # Somebody else cannot claim that photo with the same reference.
    other = app.test_client()
    sign_in(other, create_user())
    post_idea(other, post_moderated[0], kept_photo=kept, title="Gestolen foto")
    assert idea_rows(app, title="Gestolen foto")[0].photo is None


def test_changing_the_photo_deletes_the_old_file_after_the_commit(signed_in, app, pre_moderated, upload_folder):
    post_idea(signed_in, pre_moderated[0], photo=upload(image_bytes()))
    [idea] = idea_rows(app)
    old_name, old_path = stored_photo(app, idea.id)
    data = good_data(signed_in, pre_moderated[0], action="save", photo=upload(image_bytes(color="red")))
    post_form(signed_in, f"/ideas/{idea.id}/edit", data)
    new_name, new_path = stored_photo(app, idea.id)
    assert new_name != old_name and new_path.is_file() and not old_path.exists()
    data = good_data(signed_in, pre_moderated[0], action="save", remove_photo="y")
    post_form(signed_in, f"/ideas/{idea.id}/edit", data)
    assert stored_photo(app, idea.id) == (None, None) and not new_path.exists()


def test_a_photo_stored_in_a_transaction_that_rolls_back_is_deleted(app, catalogue, resident, upload_folder):
    with app.test_request_context("/"):
        processed = photos.process(io.BytesIO(image_bytes()))
        name = photos.store(processed, db.session())
        assert (upload_folder / name).is_file()
        db.session.rollback()
        assert not (upload_folder / name).exists()


def test_photos_of_ideas_others_may_not_see_are_not_served(signed_in, app, resident, create_idea, upload_folder):
    with app.test_request_context("/"):
        name = photos.store(photos.process(io.BytesIO(image_bytes())))
    idea = create_idea(author=resident, status="pending", photo=name)
    assert status_of(app.test_client(), f"/ideas/photos/{name}") == 404
    own = signed_in.get(f"/ideas/photos/{name}")
    assert own.status_code == 200 and "private" in own.headers["Cache-Control"]
    own.close()
    for bad in ("../secret_key", "x.jpg", "%2e%2e%2fsecret_key", name.replace(".jpg", ".html")):
        assert status_of(app.test_client(), f"/ideas/photos/{bad}") == 404
    assert idea.photo == name


def test_unused_photos_are_removed(app, catalogue, resident, create_idea, upload_folder, runner):
    with app.test_request_context("/"):
        used = photos.store(photos.process(io.BytesIO(image_bytes())))
        unused = photos.store(photos.process(io.BytesIO(image_bytes())))
    create_idea(author=resident, photo=used)
    runner = app.test_cli_runner()
    assert "Removed 0" in runner.invoke(args=["ideas", "remove-unused-photos"]).output
    assert "Removed 1" in runner.invoke(args=["ideas", "remove-unused-photos", "--hours", "0"]).output
    assert (upload_folder / used).is_file() and not (upload_folder / unused).exists()


# --- supports ----------------------------------------------------------------------------------------

def support_count(app, idea_id):
    with app.app_context():
        return db.session.execute(
            select(Idea.support_count, select(func.count()).select_from(Support).where(Support.idea_id == idea_id)
                   .scalar_subquery()).where(Idea.id == idea_id)).one()


def test_a_resident_supports_once_and_can_take_it_back(signed_in, app, create_idea):
    idea = create_idea()
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "Support this idea" in page and "0 supporters" in page
    assert signed_in.post(f"/ideas/{idea.id}/support").status_code == 302
    assert signed_in.post(f"/ideas/{idea.id}/support").status_code == 302
    assert tuple(support_count(app, idea.id)) == (1, 1)
    page = signed_in.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert "1 supporter" in page and "You support this idea." in page and "Take back my support" in page
    assert signed_in.post(f"/ideas/{idea.id}/support/remove").status_code == 302
    assert signed_in.post(f"/ideas/{idea.id}/support/remove").status_code == 302
    assert tuple(support_count(app, idea.id)) == (0, 0)


def test_support_goes_back_to_the_list_it_came_from(signed_in, create_idea, post_moderated):
    idea = create_idea(initiative=post_moderated[1])
    back = f"/initiatives/{post_moderated[1]}/ideas?sort=supported"
    assert signed_in.post(f"/ideas/{idea.id}/support", data={"next": back}).location == back
    assert signed_in.post(f"/ideas/{idea.id}/support", data={"next": "https://evil.example/"}).location == \
        f"/ideas/{idea.id}#support"


def test_supporting_does_not_change_the_ideas_last_change(signed_in, app, create_idea):
    idea = create_idea()
    before = reload(app, idea.id).updated_at
    signed_in.post(f"/ideas/{idea.id}/support")
    assert reload(app, idea.id).updated_at == before


@pytest.mark.parametrize("status", ["withdrawn", "pending", "draft", "hidden"])
def test_only_published_ideas_can_be_supported(signed_in, app, create_idea, status):
    idea = create_idea(status=status)
    response = signed_in.post(f"/ideas/{idea.id}/support")
    assert response.status_code in (302, 404)
    assert tuple(support_count(app, idea.id)) == (0, 0)


def test_unconfirmed_and_anonymous_people_cannot_support(client, app, create_idea, unverified_resident):
    idea = create_idea()
    assert client.post(f"/ideas/{idea.id}/support").status_code == 302
    sign_in(client, unverified_resident)
    assert client.post(f"/ideas/{idea.id}/support").status_code == 403
    assert tuple(support_count(app, idea.id)) == (0, 0)


def test_supporting_is_limited_per_account(make_app, create_idea, create_user):
    app = make_app(IDEA_SUPPORT_RATE_LIMIT="3 per minute")
    idea = create_idea()
    client = app.test_client()
    sign_in(client, create_user())
    statuses = [client.post(f"/ideas/{idea.id}/support").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


def _in_threads(count, work):
    barrier = threading.Barrier(count)
    errors = []

    def run(number):
        try:
            barrier.wait(timeout=30)
            work(number)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_support_counts_stay_exact_with_twenty_people_at_once(app, create_idea, create_user):
    idea = create_idea()
    clients = []
    for number in range(20):
        client = app.test_client()
        sign_in(client, create_user(email=f"steun{number}@example.org"))
        clients.append(client)
    statuses = []
    _in_threads(20, lambda n: statuses.append(clients[n].post(f"/ideas/{idea.id}/support").status_code))
    assert statuses == [302] * 20
    assert tuple(support_count(app, idea.id)) == (20, 20)
    _in_threads(20, lambda n: clients[n].post(f"/ideas/{idea.id}/support/remove"))
    assert tuple(support_count(app, idea.id)) == (0, 0)


def test_one_person_tapping_support_many_times_at_once_counts_once(app, create_idea, resident):
    idea = create_idea()
    clients = []
    for _ in range(8):
        client = app.test_client()
        sign_in(client, resident)
        clients.append(client)
    _in_threads(8, lambda n: clients[n].post(f"/ideas/{idea.id}/support"))
    assert tuple(support_count(app, idea.id)) == (1, 1)


# --- lists ------------------------------------------------------------------------------------------

def titles_in(html):
    return re.findall(r'<h3 class="card__title"><a href="/ideas/\d+" lang="\w+">([^<]+)</a>', html)


def test_initiative_list_sorts_filters_and_pages(client, app, create_idea, post_moderated):
    place_id, municipality, place = neighbourhood_in(app, post_moderated[0])
    now = utcnow()
    create_idea(initiative=post_moderated[1], title="Oud", published_at=now - timedelta(days=3), support_count=5)
    create_idea(initiative=post_moderated[1], title="Nieuw", published_at=now, comment_count=7,
                neighbourhood_id=place_id)
    create_idea(initiative=post_moderated[1], title="Ingetrokken", status="withdrawn",
                published_at=now - timedelta(days=1))
    create_idea(title="Ander initiatief", initiative_id=initiative_row(app, index=1)[0])
    base = f"/initiatives/{post_moderated[1]}/ideas?lang=en"
    assert titles_in(client.get(base).get_data(as_text=True)) == ["Nieuw", "Ingetrokken", "Oud"]
    assert titles_in(client.get(base + "&sort=supported").get_data(as_text=True))[0] == "Oud"
    assert titles_in(client.get(base + "&sort=discussed").get_data(as_text=True))[0] == "Nieuw"
    assert titles_in(client.get(base + "&status=withdrawn").get_data(as_text=True)) == ["Ingetrokken"]
    assert titles_in(client.get(base + "&status=published").get_data(as_text=True)) == ["Nieuw", "Oud"]
    assert titles_in(client.get(base + f"&neighbourhood={place_id}").get_data(as_text=True)) == ["Nieuw"]
    html = client.get(f"/places/{municipality}/{place}/ideas?lang=en").get_data(as_text=True)
    assert titles_in(html) == ["Nieuw"] and "1 idea" in html


def test_lists_have_twenty_ideas_a_page(client, app, create_idea, post_moderated):
    start = utcnow()
    for number in range(23):
        create_idea(initiative=post_moderated[1], author=None, title=f"Idee {number:02d}",
                    published_at=start + timedelta(minutes=number))
    base = f"/initiatives/{post_moderated[1]}/ideas?lang=en"
    first = client.get(base).get_data(as_text=True)
    assert len(titles_in(first)) == 20 and "Page 1 of 2" in first and titles_in(first)[0] == "Idee 22"
    second = client.get(base + "&page=2").get_data(as_text=True)
    assert titles_in(second) == ["Idee 02", "Idee 01", "Idee 00"]


@pytest.mark.parametrize("query", [
    "sort=xyz", "sort=support_count;DROP TABLE idea", "page=-1", "page=0", "page=abc", "page=99999",
    "page=" + "9" * 40, "page=1.5", "page=%00", "status=hidden", "status=pending", "status=draft",
    "neighbourhood=xyz", "neighbourhood=-1", "neighbourhood=99999", "neighbourhood=" + "1" * 30,
    "sort[]=newest", "sort=newest&sort=supported", "status=%00&sort=%ff",
])
def test_unknown_list_parameters_fall_back_to_the_default(client, app, create_idea, post_moderated, query):
    create_idea(initiative=post_moderated[1], title="Zichtbaar")
    create_idea(initiative=post_moderated[1], title="Wacht", status="pending")
    place_id, municipality, place = neighbourhood_in(app, post_moderated[0])
    default = titles_in(client.get(f"/initiatives/{post_moderated[1]}/ideas").get_data(as_text=True))
    response = client.get(f"/initiatives/{post_moderated[1]}/ideas?{query}")
    assert response.status_code == 200 and titles_in(response.get_data(as_text=True)) == default == ["Zichtbaar"]
    assert client.get(f"/places/{municipality}/{place}/ideas?{query}").status_code == 200
    assert client.get(f"/my/ideas?{query}").status_code == 302


def test_unknown_places_and_initiatives_are_404(client, catalogue):
    assert client.get("/initiatives/bestaat-niet/ideas").status_code == 404
    assert client.get("/places/maastricht/bestaat-niet/ideas").status_code == 404
    assert client.get("/places/vaals/caberg/ideas").status_code == 404  # Caberg is in Maastricht
    assert client.get("/ideas/99999").status_code == 404


def _populate(app, create_idea, create_user, initiative_slug, count):
    place_ids = neighbourhood_ids(app)
    for number in range(count):
        create_idea(initiative=initiative_slug, neighbourhood_id=place_ids[number % len(place_ids)],
                    language=["nl", "de", "fr"][number % 3])


def neighbourhood_ids(app):
    with app.app_context():
        return list(db.session.scalars(select(Neighbourhood.id).order_by(Neighbourhood.id)))


@pytest.mark.parametrize("viewer", ["anonymous", "resident", "moderator"])
def test_lists_and_pages_run_a_bounded_number_of_queries(app, client, create_idea, create_user, post_moderated,
                                                         count_queries, viewer):
    if viewer != "anonymous":
        person = create_user(viewer)
        sign_in(client, person)
    place_id, municipality, place = neighbourhood_in(app, post_moderated[0])
    paths = lambda idea_id: [  # noqa: E731
        f"/initiatives/{post_moderated[1]}/ideas", f"/initiatives/{post_moderated[1]}/ideas?sort=supported&page=2",
        f"/places/{municipality}/{place}/ideas", f"/initiatives/{post_moderated[1]}", f"/ideas/{idea_id}",
        "/my/ideas", "/search?q=idee"]
    counts = []
    for size in (2, 25):
        _populate(app, create_idea, create_user, post_moderated[1], size if not counts else size - 2)
        idea = create_idea(initiative=post_moderated[1], neighbourhood_id=place_id)
        with app.app_context():
            idea_id = idea.id
        sizes = []
        for path in paths(idea_id):
            if path == "/my/ideas" and viewer == "anonymous":
                continue
            with count_queries() as counter:
                assert client.get(path).status_code == 200, path
            sizes.append((path.split("?")[0].rsplit("/", 1)[-1], counter.count))
        counts.append(sizes)
    assert [n for _, n in counts[0]] == [n for _, n in counts[1]], counts
    assert max(n for _, n in counts[1]) <= 12, counts


# --- visibility everywhere ---------------------------------------------------------------------------

HIDDEN_STATES = ["draft", "pending", "returned", "rejected", "hidden", "withdrawn-unpublished"]


def _hidden_idea(app, create_idea, author, status, initiative_slug, place_id, photo):
    fields = {}
    if status == "withdrawn-unpublished":
        status, fields = "withdrawn", {"published_at": None}
    return create_idea(author=author, status=status, initiative=initiative_slug, neighbourhood_id=place_id,
                       title="Geheim plan voor de wijk", text="Geheime tekst over de wijk", photo=photo, **fields)


@pytest.mark.parametrize("status", HIDDEN_STATES)
@pytest.mark.parametrize("viewer", ["anonymous", "other", "author", "moderator"])
def test_ideas_not_public_show_only_to_author_and_staff_everywhere(app, create_idea, create_user, post_moderated,
                                                                  upload_folder, status, viewer):
    author = create_user(display_name="Auteur")
    with app.test_request_context("/"):
        photo = photos.store(photos.process(io.BytesIO(image_bytes())))
    place_id, municipality, place = neighbourhood_in(app, post_moderated[0])
    idea = _hidden_idea(app, create_idea, author, status, post_moderated[1], place_id, photo)
    client = app.test_client()
    person = None
    if viewer != "anonymous":
        person = {"other": create_user(), "author": author, "moderator": create_user("moderator")}[viewer]
        sign_in(client, person)
    may_see = viewer == "author" or (viewer == "moderator" and status != "draft")

    def shows(path):
        return "Geheim plan" in client.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)

    assert (client.get(f"/ideas/{idea.id}").status_code == 200) is may_see
    assert (status_of(client, f"/ideas/photos/{photo}") == 200) is may_see
    assert shows(f"/initiatives/{post_moderated[1]}/ideas") is may_see
    assert shows(f"/places/{municipality}/{place}/ideas") is may_see
    initiative_page = client.get(f"/initiatives/{post_moderated[1]}?lang=en").get_data(as_text=True)
    assert ("Geheim plan" in initiative_page) is may_see
    assert ("1 idea so far." if may_see else "0 ideas so far.") in initiative_page
    list_page = client.get(f"/initiatives/{post_moderated[1]}/ideas?lang=en").get_data(as_text=True)
    assert ("1 idea" if may_see else "0 ideas") in list_page
    assert not shows("/search?q=geheim")  # the search only ever shows public ideas
    with app.app_context():
        viewer_row = db.session.get(User, person.id) if person else None
        assert queries.recent_visible_ideas(5, viewer_row) == []  # the home page: published ideas only
        assert queries.count_visible(viewer_row, initiative_id=idea.initiative_id) == (1 if may_see else 0)


def test_recent_ideas_for_the_home_page_put_the_persons_place_first(app, create_idea, create_user, post_moderated):
    with app.app_context():
        caberg = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "caberg"))
        malberg = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "malberg"))
        vaals = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "lemiers"))
        places = {"caberg": (caberg.id, caberg.municipality_id), "malberg": malberg.id, "vaals": vaals.id}
    now = utcnow()
    create_idea(title="In Caberg", neighbourhood_id=places["caberg"][0], published_at=now - timedelta(days=3))
    create_idea(title="In Malberg", neighbourhood_id=places["malberg"], published_at=now - timedelta(days=2))
    create_idea(title="In Lemiers", neighbourhood_id=places["vaals"], published_at=now - timedelta(days=1))
    create_idea(title="Nergens", published_at=now)
    create_idea(title="Wacht", status="pending")
    person = create_user(neighbourhood_id=places["caberg"][0], municipality_id=places["caberg"][1])
    with app.app_context():
        person = db.session.get(User, person.id)
        assert [i.title for i in queries.recent_visible_ideas(10, person)] == [
            "In Caberg", "In Malberg", "Nergens", "In Lemiers"]
        assert [i.title for i in queries.recent_visible_ideas(2, None)] == ["Nergens", "In Lemiers"]


def test_initiative_page_shows_recent_ideas_and_a_share_button(client, app, create_idea, post_moderated):
    for number in range(7):
        create_idea(initiative=post_moderated[1], title=f"Idee {number}",
                    published_at=utcnow() + timedelta(minutes=number))
    html = client.get(f"/initiatives/{post_moderated[1]}?lang=en").get_data(as_text=True)
    assert "7 ideas so far." in html and "Share an idea" in html
    assert f'href="/ideas/new?initiative={post_moderated[1]}"' in html
    assert f'href="/initiatives/{post_moderated[1]}/ideas"' in html
    assert titles_in(html) == ["Idee 6", "Idee 5", "Idee 4", "Idee 3", "Idee 2"]


# --- languages and translations ------------------------------------------------------------------------

def test_an_idea_is_marked_with_its_language(client, create_idea):
    idea = create_idea(title="Mehr Bäume", text="Bitte mehr Bäume.", language="de")
    html = client.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert '<h1 lang="de">Mehr Bäume</h1>' in html and '<div class="prose idea__body" lang="de">' in html
    assert 'written in <span lang="de">Deutsch</span>' in html
    assert "written in" not in client.get(f"/ideas/{idea.id}?lang=de").get_data(as_text=True)


def test_staff_translate_an_idea_and_readers_switch_without_javascript(app, client, create_idea, moderator):
    idea = create_idea(title="Meer bomen", text="Plant meer bomen in de straat.", language="nl")
    sign_in(client, moderator)
    form = client.get(f"/ideas/{idea.id}/translate?lang=en").get_data(as_text=True)
    assert "Translate an idea" in form
    response = client.post(f"/ideas/{idea.id}/translate", data={
        "language": "de", "title": "Mehr Bäume", "text": "Pflanzt mehr Bäume in der Straße."})
    assert response.status_code == 302 and response.location == f"/ideas/{idea.id}?version=de"
    reader = app.test_client()
    html = reader.get(f"/ideas/{idea.id}?lang=de").get_data(as_text=True)
    assert '<h1 lang="de">Mehr Bäume</h1>' in html and "Mo Moderator" in html
    assert f'href="/ideas/{idea.id}?version=original"' in html
    original = reader.get(f"/ideas/{idea.id}?version=original&lang=de").get_data(as_text=True)
    assert '<h1 lang="nl">Meer bomen</h1>' in original and f'href="/ideas/{idea.id}?version=de"' in original
    english = reader.get(f"/ideas/{idea.id}?lang=en").get_data(as_text=True)
    assert '<h1 lang="nl">Meer bomen</h1>' in english and "Read the translation into Deutsch" in english
    assert reader.get(f"/ideas/{idea.id}?version=xx&lang=en").status_code == 200
    # The translation is searchable; the result shows the original.
    assert "Meer bomen" in reader.get("/search?q=baume").get_data(as_text=True)
    # A second translation into the same language replaces the first.
    client.post(f"/ideas/{idea.id}/translate", data={"language": "de", "title": "Mehr Bäume!", "text": "Neu."})
    with app.app_context():
        assert db.session.scalars(select(IdeaTranslation.title)).all() == ["Mehr Bäume!"]


def test_residents_cannot_translate(signed_in, app, create_idea):
    idea = create_idea()
    assert signed_in.get(f"/ideas/{idea.id}/translate").status_code == 403
    assert signed_in.post(f"/ideas/{idea.id}/translate",
                          data={"language": "de", "title": "x", "text": "y"}).status_code == 403


def test_a_translation_into_the_ideas_own_language_is_refused(app, client, create_idea, moderator):
    idea = create_idea(language="nl")
    sign_in(client, moderator)
    response = client.post(f"/ideas/{idea.id}/translate?lang=en", data={"language": "nl", "title": "x", "text": "y"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


# --- operations directly --------------------------------------------------------------------------------

def test_operations_flush_and_never_commit(app, catalogue, resident):
    with app.app_context():
        author = db.session.get(User, resident.id)
        initiative = db.session.scalars(select(Initiative)).first()
        idea, created = operations.create_idea(author, initiative, title="T", text="Tekst", language="nl")
        assert created and idea.id
        db.session.rollback()
        assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_personal_data_download_lists_ideas_and_supports(app, resident, create_idea):
    from participation.accounts.privacy import export_personal_data

    idea = create_idea(author=resident, title="Mijn idee")
    other = create_idea()
    with app.app_context():
        db.session.add(Support(idea_id=other.id, user_id=resident.id))
        db.session.commit()
        data = export_personal_data(db.session.get(User, resident.id))
    assert [entry["title"] for entry in data["ideas"]] == ["Mijn idee"] and data["ideas"][0]["id"] == idea.id
    assert [entry["idea_id"] for entry in data["supported_ideas"]] == [other.id]
