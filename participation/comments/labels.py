"""Words people see for report categories and moderation reasons (lazy: each
request gets its own language)."""
from flask_babel import lazy_gettext as _l

from participation.comments.models import ReportCategory

REPORT_CATEGORY_LABELS = {
    ReportCategory.SPAM: _l("Spam or advertising"),
    ReportCategory.OFFENSIVE: _l("Rude, hurtful or discriminating"),
    ReportCategory.PERSONAL_DATA: _l("Shares personal data of someone"),
    ReportCategory.OFF_TOPIC: _l("Not about this subject"),
    ReportCategory.OTHER: _l("Something else"),
}

# Reason codes moderators give when they hide something (Hideable.hidden_reason).
# The report categories double as reasons; the moderation feature may add more.
HIDDEN_REASON_LABELS = {
    "spam": _l("spam or advertising"),
    "offensive": _l("rude, hurtful or discriminating"),
    "personal_data": _l("it shared personal data"),
    "off_topic": _l("not about this subject"),
    "reports": _l("several people reported it"),
}
OTHER_REASON = _l("it breaks the house rules")


def hidden_reason_label(code: str | None) -> str:
    return HIDDEN_REASON_LABELS.get(code or "", OTHER_REASON)
