"""The translations (`make i18n`): collect every message toygan shows, merge them into each
language's catalogue, and compile it.

The messages: every _("...") and N_("...") in the package (Babel's extractor), the lessons'
texts (core/lessons/*.toml), the words of the key bars (ui/terminal/controls.py's and
replay's KEYS) and the losses' stat labels (core/losses.py). It writes
toygan_tui/locale/toygan.pot, merges it into toygan_tui/locale/<lang>/LC_MESSAGES/toygan.po (a
new message comes in untranslated, a message gone goes) and compiles the
toygan.mo beside it with Babel's tools. The .mo is committed: installing toygan needs no Babel.
tests/test_i18n.py checks that the .mo is the .po compiled and every message is translated.

Translate by editing the .po (msgstr), then run `make i18n` again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "toygan_tui"
LOCALE = PACKAGE / "locale"
DOMAIN = "toygan"
LANGS = ("zh",)
sys.path.insert(0, str(ROOT))


def template() -> Catalog:
    """Every message toygan may show, with where it comes from."""
    from toygan_tui.commands.replay import KEYS as REPLAY_KEYS
    from toygan_tui.core.lessons import lessons
    from toygan_tui.core.losses import LOSSES
    from toygan_tui.ui.terminal.controls import KEYS

    catalog = Catalog(project="toygan", domain=DOMAIN)
    for filename, lineno, message, _, _ in extract_from_dir(PACKAGE):
        if isinstance(message, str) and message:
            catalog.add(message, locations=[(f"toygan_tui/{filename}", lineno)])
    for lesson in lessons():
        where = [(str(lesson.path.relative_to(ROOT)), 0)]
        texts = [lesson.title, lesson.summary]
        for part in lesson.parts:
            texts += [part.title, part.intro, *(pause.text for pause in part.pauses)]
        for text in filter(None, texts):
            catalog.add(text, locations=where)
    for _, what in (*KEYS, *REPLAY_KEYS):
        catalog.add(what, locations=[("toygan_tui/ui/terminal/controls.py", 0)])
    for loss in LOSSES.values():
        for stat in loss.stats:
            catalog.add(stat.label, locations=[("toygan_tui/core/losses.py", 0)])
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def new_catalog(lang: str) -> Catalog:
    return Catalog(locale=lang, domain=DOMAIN, project="toygan", fuzzy=False)


def main() -> None:
    pot = template()
    LOCALE.mkdir(parents=True, exist_ok=True)
    with (LOCALE / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, pot, sort_output=True, include_lineno=False, omit_header=True)
    for lang in LANGS:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(lang) if path.exists() else new_catalog(lang)
        catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, read(lang))
        missing = [m.id for m in read(lang) if m.id and not m.string]
        print(f"{path.relative_to(ROOT)}: {len(pot)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
