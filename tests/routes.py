"""The app's URL rules, read at collection time, so that parametrized tests
cover every route, also those added later."""
import os
import re
import tempfile

from participation import create_app

# A value for each kind of URL variable, by converter.
DUMMY_VALUES = {"int": "1", "slug": "x", "default": "x", "string": "x", "path": "x",
                "uuid": "00000000-0000-0000-0000-000000000000"}
_VARIABLE = re.compile(r"<(?:(?P<converter>[a-z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _url_map():
    # The routes only: this app never touches its (in-memory) database.
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "url-map", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "INSTANCE_PATH": os.path.join(tempfile.gettempdir(), "participation-url-map"),
                      "RATELIMIT_STORAGE_URI": "memory://"})
    return app.url_map


URL_MAP = _url_map()


def rules(predicate=lambda rule: True) -> list:
    return sorted((rule for rule in URL_MAP.iter_rules() if predicate(rule)), key=lambda rule: (rule.rule, rule.endpoint))


def fill(rule: str, **values) -> str:
    """The rule with every variable filled in: `values` by name, else a dummy per converter."""
    def value(match):
        name = match.group("name")
        if name in values:
            return str(values[name])
        return DUMMY_VALUES.get(match.group("converter") or "default", "x")
    return _VARIABLE.sub(value, rule)
