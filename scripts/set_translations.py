"""Set translations for given msgids: `python scripts/set_translations.py FILE.json`
with {"nl": {"msgid": "text" | ["singular", "plural"]}, "de": {...}, ...}.
Only fills entries that exist in the catalogue; reports unknown msgids."""
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

root = Path(__file__).resolve().parent.parent / "translations"
wanted = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
for language, entries in wanted.items():
    path = root / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for msgid, text in entries.items():
        message = catalog.get(msgid) or next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None)
        if message is None:
            print(f"{language}: not in the catalogue: {msgid!r}")
            continue
        message.string = tuple(text) if isinstance(text, list) else text
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
