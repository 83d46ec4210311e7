"""English is the source language: its catalogue repeats each msgid (the test
suite demands every catalogue complete). Run after `make translations`."""
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).resolve().parent.parent / "translations/en/LC_MESSAGES/messages.po"
with path.open("rb") as handle:
    catalog = read_po(handle)
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple):
        if not all(message.string):
            message.string = tuple(message.id[min(index, 1)] for index in range(len(message.string) or 2))
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with path.open("wb") as handle:
    write_po(handle, catalog, width=0, omit_header=False)
