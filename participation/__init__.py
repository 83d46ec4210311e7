"""Meedoen Zuid-Limburg: the application factory."""
import os

from flask import Flask

from config import config_for


def create_app(test_config: dict | None = None) -> Flask:
    test_config = test_config or {}
    config_class = config_for(test_config.get("APP_ENV"))
    instance_path = test_config.get("INSTANCE_PATH") or config_class.INSTANCE_PATH
    app = Flask(__name__, instance_path=instance_path)
    app.config.from_object(config_class)
    app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        from participation.core.database import default_sqlite_uri
        app.config["SQLALCHEMY_DATABASE_URI"] = default_sqlite_uri(app.instance_path)

    from participation.core.secrets import ensure_secret_key
    ensure_secret_key(app)

    from participation.core.routing import SlugConverter
    app.url_map.converters["slug"] = SlugConverter

    _init_extensions(app)
    _register_blueprints(app)

    from participation import cli, errors, jinja, mail
    from participation.core import permissions, request_log, security
    # First, so its after_request hook runs last (they run in reverse): email
    # goes out once the other hooks are done with the session.
    mail.init_app(app)
    errors.init_app(app)
    permissions.init_app(app)
    jinja.init_app(app)
    security.init_app(app)
    request_log.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from participation import models  # noqa: F401  (every model registered before use)
    from participation.core import database  # noqa: F401  (SQLite connection settings)
    from participation.accounts.setup import init_login
    from participation.extensions import babel, csrf, db, limiter, migrate
    from participation.i18n import remember_explicit_choice, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    app.before_request(remember_explicit_choice)


def _register_blueprints(app: Flask) -> None:
    from participation.accounts.privacy_views import blueprint as privacy
    from participation.accounts.two_factor import blueprint as two_factor
    from participation.accounts.views import blueprint as accounts
    from participation.comments.views import blueprint as comments
    from participation.ideas.views import blueprint as ideas
    from participation.notifications.views import blueprint as notifications
    from participation.people.views import blueprint as people
    from participation.programme.views import blueprint as programme
    from participation.proposals.views import blueprint as proposals
    from participation.search.views import blueprint as search
    from participation.site.views import blueprint as site
    from participation.staff.views import blueprint as staff
    from participation.workshops.views import blueprint as workshops
    from participation.workshops.session.views import blueprint as workshop_session

    app.register_blueprint(site)
    app.register_blueprint(programme)
    app.register_blueprint(accounts)
    app.register_blueprint(two_factor)
    app.register_blueprint(privacy)
    app.register_blueprint(staff)
    app.register_blueprint(comments)
    app.register_blueprint(notifications)
    app.register_blueprint(people)
    app.register_blueprint(proposals)
    app.register_blueprint(ideas)
    app.register_blueprint(search)
    app.register_blueprint(workshops)
    app.register_blueprint(workshop_session)
