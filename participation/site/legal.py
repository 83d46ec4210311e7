"""Versions of the texts people agree to. Raise a version when its text
changes in substance: consent is stored with the version that was shown."""
PRIVACY_VERSION = "2026-11"
