from werkzeug.routing import BaseConverter


class SlugConverter(BaseConverter):
    """Lowercase ASCII words joined by hyphens. Anything else never reaches a
    query (a NUL byte, for one, is an error on PostgreSQL): it is a 404."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"
