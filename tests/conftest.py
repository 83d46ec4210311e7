"""Fixtures shared by every test.

The database backend is chosen per run: SQLite by default, PostgreSQL when
TEST_DB=postgresql (the Makefile runs the suite a second time that way, with
TEST_DATABASE_URL). The schema is created once per run; every test gets a
fresh app and finds every table empty.
"""
import contextlib
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from flask.testing import FlaskClient

from participation import create_app
from participation.extensions import db

BACKEND = os.environ.get("TEST_DB", "sqlite")
ROOT = Path(__file__).resolve().parent.parent


def required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    problem = None
    if not url:
        problem = "TEST_DATABASE_URL is not set"
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach the server means "missing"
            problem = f"cannot reach PostgreSQL at {url}: {error}"
        finally:
            engine.dispose()
    if problem:
        if required("REQUIRE_POSTGRES"):
            pytest.exit(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {problem}", returncode=1)
        pytest.skip(f"PostgreSQL run skipped: {problem}", allow_module_level=True)
    return _database_of_this_worker(url)


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own (test_gw0, …),
    created on first use, so parallel workers never empty each other's tables."""
    from sqlalchemy.engine import make_url

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": own.database}).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if BACKEND == "postgresql":
        return _postgres_url()
    return f"sqlite:///{tmp_path_factory.mktemp('db')}/participation-test.db"


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


_apps_built: list = []


class EnglishClient(FlaskClient):
    """Test clients read the site in English unless a test asks otherwise
    (`?lang=`, an Accept-Language header), so assertions can use the msgids.
    The default language itself (Dutch) is tested with an empty header."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close the connection pools of every app a test built."""
    yield
    while _apps_built:
        with _apps_built.pop().app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def make_app(database_url, instance_path):
    """Build an app for tests; keyword arguments override its configuration."""
    def factory(**overrides):
        config = {
            "APP_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": instance_path,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": None,
            # CSRF is proven on its own (test_csrf.py) and in the browser tests;
            # elsewhere forms are posted directly.
            "WTF_CSRF_ENABLED": False,
            "FORM_MIN_FILL_SECONDS": 0,
        }
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = EnglishClient
        _apps_built.append(app)
        return app
    return factory


@pytest.fixture(scope="session")
def _schema(make_app):
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(make_app, _schema):
    """A fresh app on the shared schema. No app context is left pushed: a request
    reuses a pushed context (and its database session), which would hide bugs.
    Tests open `with app.app_context():` where they touch the database."""
    app = make_app()
    yield app
    with app.app_context():
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def catalogue(app):
    """The real programme catalogue, loaded from its data file."""
    from participation.programme.operations import load_catalogue

    with app.app_context():
        load_catalogue(app.config["CATALOGUE_FILE"])
        db.session.commit()
    return app


@pytest.fixture
def public_slugs(app, catalogue):
    """Slugs of one programme line and one initiative, for building URLs."""
    from sqlalchemy import select

    from participation.programme.models import Initiative, ProgrammeLine

    with app.app_context():
        return {
            "line": db.session.scalars(select(ProgrammeLine.slug).order_by(ProgrammeLine.number)).first(),
            "initiative": db.session.scalars(select(Initiative.slug).order_by(Initiative.id)).first(),
        }


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter:` counts the SQL statements run inside."""
    @contextlib.contextmanager
    def counting():
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return counting


# --- people ------------------------------------------------------------------

PASSWORD = "lange vrije zin om in te loggen"


@pytest.fixture(scope="session")
def _password_hash(make_app):
    from participation.accounts.passwords import hash_password

    with make_app().app_context():
        return hash_password(PASSWORD)


@pytest.fixture
def create_user(app, _password_hash):
    """Factory: create_user(role="resident", verified=True, two_factor=None, **fields) → User (committed).

    Staff get two-factor sign-in by default (two_factor=False: without it);
    residents only with two_factor=True. The secret stays on the returned
    object (`user.totp_secret`), so `totp_code(client, user)` and `sign_in()`
    can compute codes."""
    import pyotp

    from participation.accounts.models import STAFF_ROLES, Role, User
    from participation.core.types import utcnow

    counter = iter(range(1, 10_000))

    def factory(role="resident", verified=True, two_factor=None, **fields):
        number = next(counter)
        if two_factor is None:
            two_factor = Role(role) in STAFF_ROLES
        if two_factor:
            fields.setdefault("totp_secret", pyotp.random_base32())
            fields.setdefault("totp_enabled_at", utcnow())
        with app.app_context():
            user = User(
                email=fields.pop("email", f"{role}{number}@example.org"),
                display_name=fields.pop("display_name", f"{role.title()} {number}"),
                password_hash=_password_hash,
                language=fields.pop("language", "en"),
                role=Role(role),
                email_verified_at=utcnow() if verified else None,
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return factory


@pytest.fixture
def resident(create_user):
    return create_user("resident", display_name="Resi Dent")


@pytest.fixture
def unverified_resident(create_user):
    return create_user("resident", verified=False, display_name="New Comer")


@pytest.fixture
def coordinator(create_user):
    """Staff with two-factor sign-in set up (secret in `coordinator.totp_secret`)."""
    return create_user("coordinator", display_name="Cora Coördinator")


@pytest.fixture
def moderator(create_user):
    return create_user("moderator", display_name="Mo Moderator")


@pytest.fixture
def admin(create_user):
    return create_user("admin", display_name="Ada Admin")


@pytest.fixture
def staff_without_two_factor(create_user):
    """A coordinator who has not set up two-factor sign-in yet."""
    return create_user("coordinator", two_factor=False, display_name="Nieuwe Coördinator")


def totp_code(client, user) -> str:
    """A code from the person's authenticator app that the server accepts now.

    A code works once (its time step must be later than the last one used), so
    when this person already signed in during the current 30 seconds this is
    the next step's code (accepted too: one step of clock drift is allowed).
    Only a third sign-in within one step resets the record of the last step."""
    import time

    import pyotp
    from sqlalchemy import select, update

    from participation.accounts.models import User
    from participation.accounts.operations import TOTP_INTERVAL

    now = int(time.time()) // TOTP_INTERVAL
    with client.application.app_context():
        last = db.session.scalar(select(User.totp_last_step).where(User.id == user.id))
        if last is not None and last > now:
            db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
            db.session.commit()
            last = None
    step = now if last is None or last < now else now + 1
    return pyotp.TOTP(user.totp_secret, interval=TOTP_INTERVAL).generate_otp(step)


def sign_in(client, user, password=PASSWORD, follow_redirects=False):
    """Sign in with the password and, for a person with two-factor sign-in
    (a secret on the user object), with a code from their app as well."""
    if not getattr(user, "totp_enabled_at", None):
        return client.post("/signin", data={"email": user.email, "password": password},
                           follow_redirects=follow_redirects)
    response = client.post("/signin", data={"email": user.email, "password": password})
    if response.status_code != 302 or not response.location.startswith("/signin/code"):
        return response
    return client.post("/signin/code", data={"code": totp_code(client, user)}, follow_redirects=follow_redirects)


@pytest.fixture
def outbox(app):
    """outbox() → the emails queued so far, oldest first."""
    from sqlalchemy import select

    from participation.mail.models import OutboundEmail

    def read():
        with app.app_context():
            emails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
            db.session.expunge_all()
            return emails
    return read


def form_started(client, path: str) -> str:
    """The signed start time a human-checked form carries (see HumanCheckForm)."""
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="form_started" type="hidden" value="([^"]+)"', page).group(1)


def link_in(email, path_prefix: str) -> str:
    """The first link in the email's text that starts with the given path, as a local path."""
    import re

    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", email.text_body)
    assert match, f"no link to {path_prefix} in: {email.text_body}"
    return match.group(1)


# --- email -------------------------------------------------------------------

class ReceivedMail:
    """aiosmtpd handler: keeps every message it receives, parsed."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback: `.host`, `.port`, `.messages` (received, parsed)."""
    from aiosmtpd.controller import Controller

    received = ReceivedMail()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    received.host, received.port = controller.hostname, controller.port
    yield received
    controller.stop()


@pytest.fixture
def make_mail_app(app, make_app, smtp_server):
    """make_mail_app(**config) → an app that sends to `smtp_server` (the tables
    are emptied after the test by the `app` fixture)."""
    def factory(**overrides):
        return make_app(**{"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port, **overrides})
    return factory


# --- workshops -----------------------------------------------------------------

@pytest.fixture
def create_workshop(app, catalogue):
    """Factory: create_workshop(**fields) → Workshop (committed, detached).

    Defaults: published, starts in 7 days (at the full hour) and lasts two
    hours, registration until the start, capacity 20, Dutch spoken, the
    first initiative, the neighbourhood Malpertuis (Maastricht).
    `initiative=` and `neighbourhood=` take a slug (or pass the *_id columns);
    `coordinator=user` makes that person coordinator of the neighbourhood.
    Any other keyword sets that column."""
    from datetime import timedelta

    from sqlalchemy import select

    from participation.accounts.models import User
    from participation.core.sanitize import markdown_to_safe_html
    from participation.core.types import utcnow
    from participation.programme.models import Initiative, Neighbourhood
    from participation.workshops.models import Workshop, WorkshopStatus

    counter = iter(range(1, 10_000))

    def factory(initiative=None, neighbourhood="malpertuis", coordinator=None, **fields):
        number = next(counter)
        with app.app_context():
            if "initiative_id" not in fields:
                query = select(Initiative).order_by(Initiative.id)
                if initiative is not None:
                    query = query.where(Initiative.slug == initiative)
                fields["initiative_id"] = db.session.scalars(query).first().id
            if "neighbourhood_id" not in fields:
                fields["neighbourhood_id"] = db.session.scalars(
                    select(Neighbourhood).where(Neighbourhood.slug == neighbourhood)).one().id
            starts_at = fields.setdefault(
                "starts_at", (utcnow() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0))
            fields.setdefault("ends_at", starts_at + timedelta(hours=2))
            fields.setdefault("registration_deadline", starts_at)
            markdown = fields.setdefault("description_markdown", "We talk about *green* streets.")
            fields.setdefault("description_html", markdown_to_safe_html(markdown))
            fields.setdefault("title", f"Workshop {number}")
            fields.setdefault("venue_name", "Buurthuis")
            fields.setdefault("venue_address", "Voorbeeldstraat 1, Maastricht")
            fields.setdefault("capacity", 20)
            fields.setdefault("languages", ["nl"])
            fields.setdefault("status", WorkshopStatus.PUBLISHED)
            workshop = Workshop(**fields)
            db.session.add(workshop)
            if coordinator is not None:
                person = db.session.get(User, coordinator.id)
                place = db.session.get(Neighbourhood, fields["neighbourhood_id"])
                if place not in person.coordinated_neighbourhoods:
                    person.coordinated_neighbourhoods.append(place)
            db.session.commit()
            db.session.refresh(workshop)
            db.session.expunge(workshop)
            return workshop
    return factory


# --- proposals -----------------------------------------------------------------

@pytest.fixture
def create_proposal(app, catalogue):
    """Factory: create_proposal(**fields) → Proposal (committed, detached).

    Defaults: open for voting now (opened a minute ago) for 7 days, for /
    against / abstain, results live, every verified resident may vote, the
    first initiative, no neighbourhood. `initiative=` and `neighbourhood=`
    take a slug (or pass the *_id columns); `ideas=` takes Idea objects or ids;
    `area=` a list of municipality and/or neighbourhood slugs makes it an area
    vote for those places; `created_by=user`. Any other keyword sets that
    column (voting_opens_at, voting_closes_at, method, results_shown, hidden_at…).
    Indexed for search like a proposal made on the site (hidden ones are not)."""
    from datetime import timedelta

    from sqlalchemy import select

    from participation.core.sanitize import markdown_to_safe_html
    from participation.core.types import utcnow
    from participation.ideas.models import Idea
    from participation.programme.models import Initiative, Municipality, Neighbourhood
    from participation.proposals.models import Eligibility, Proposal, VotingMethod
    from participation.proposals.operations import sync_search

    counter = iter(range(1, 10_000))

    def factory(initiative=None, neighbourhood=None, ideas=(), area=None, created_by=None, **fields):
        number = next(counter)
        with app.app_context():
            if "initiative_id" not in fields:
                query = select(Initiative).order_by(Initiative.id)
                if initiative is not None:
                    query = query.where(Initiative.slug == initiative)
                fields["initiative_id"] = db.session.scalars(query).first().id
            if neighbourhood is not None and "neighbourhood_id" not in fields:
                fields["neighbourhood_id"] = db.session.scalars(
                    select(Neighbourhood).where(Neighbourhood.slug == neighbourhood)).one().id
            opens_at = fields.setdefault("voting_opens_at", utcnow() - timedelta(minutes=1))
            fields.setdefault("voting_closes_at", opens_at + timedelta(days=7))
            markdown = fields.setdefault("body_markdown", "We plant *twenty* trees in the street.")
            fields.setdefault("body_html", markdown_to_safe_html(markdown))
            fields.setdefault("title", f"Proposal {number}")
            fields.setdefault("method", VotingMethod.FOR_AGAINST)
            fields.setdefault("language", "nl")
            if created_by is not None:
                fields["created_by_id"] = created_by.id
            proposal = Proposal(**fields)
            proposal.ideas = [db.session.get(Idea, getattr(idea, "id", idea)) for idea in ideas]
            if area is not None:
                proposal.eligibility = Eligibility.AREA
                proposal.municipalities = list(db.session.scalars(
                    select(Municipality).where(Municipality.slug.in_(area))))
                proposal.neighbourhoods = list(db.session.scalars(
                    select(Neighbourhood).where(Neighbourhood.slug.in_(area))))
            db.session.add(proposal)
            db.session.flush()
            sync_search(proposal)
            db.session.commit()
            db.session.refresh(proposal)
            db.session.expunge(proposal)
            return proposal
    return factory


# --- ideas ---------------------------------------------------------------------

@pytest.fixture
def create_idea(app, catalogue, create_user):
    """Factory: create_idea(**fields) → Idea (committed, detached), indexed for
    search like an idea sent through the site.

    Defaults: published now, in the first initiative, no neighbourhood,
    written in Dutch by a new verified resident, title "Idee N", text with
    a little Markdown. `author=` takes a User (or None: an idea from a
    workshop without a named author); `initiative=` and `neighbourhood=` take a
    slug (or pass the *_id columns); `text=` sets the Markdown (the HTML is made
    from it); `status=` any IdeaStatus (or its value) — published and
    withdrawn ideas get `published_at`, withdrawn ones `withdrawn_at`. Any
    other keyword sets that column (e.g. support_count, created_at, photo)."""
    from sqlalchemy import select

    from participation.core.sanitize import markdown_to_safe_html
    from participation.core.types import utcnow
    from participation.ideas.models import Idea, IdeaStatus
    from participation.ideas.operations import sync_search
    from participation.programme.models import Initiative, Neighbourhood

    counter = iter(range(1, 100_000))
    _new_author = object()

    def factory(author=_new_author, initiative=None, neighbourhood=None, text=None, status=IdeaStatus.PUBLISHED,
                **fields):
        number = next(counter)
        if author is _new_author:
            author = create_user("resident", display_name=f"Idea Author {number}")
        status = IdeaStatus(status)
        with app.app_context():
            if "initiative_id" not in fields:
                query = select(Initiative.id).order_by(Initiative.id)
                if initiative is not None:
                    query = query.where(Initiative.slug == initiative)
                fields["initiative_id"] = db.session.scalars(query).first()
            if neighbourhood is not None and "neighbourhood_id" not in fields:
                fields["neighbourhood_id"] = db.session.scalars(
                    select(Neighbourhood.id).where(Neighbourhood.slug == neighbourhood)).one()
            now = utcnow()
            text = text if text is not None else f"Idee nummer {number}: meer *groen* in de straat."
            fields.setdefault("title", f"Idee {number}")
            fields.setdefault("body_markdown", text)
            fields.setdefault("body_html", markdown_to_safe_html(fields["body_markdown"]))
            fields.setdefault("language", "nl")
            if status != IdeaStatus.DRAFT:
                fields.setdefault("submitted_at", now)
            if status in (IdeaStatus.PUBLISHED, IdeaStatus.WITHDRAWN, IdeaStatus.HIDDEN):
                fields.setdefault("published_at", now)
            if status == IdeaStatus.WITHDRAWN:
                fields.setdefault("withdrawn_at", now)
            idea = Idea(author_id=author.id if author is not None else None, status=status, **fields)
            db.session.add(idea)
            db.session.flush()
            sync_search(idea)
            db.session.commit()
            db.session.refresh(idea)
            db.session.expunge(idea)
            return idea
    return factory
