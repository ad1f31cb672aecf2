"""The language toygan speaks on screen: English, or Chinese (zh) for the dashboard's words,
the diagnosis, the key bars and the lessons.

Standard gettext catalogues: toygan_tui/locale/zh/LC_MESSAGES/toygan.mo, compiled from the .po
beside it and committed (`make i18n` extracts the messages and compiles them with Babel's
tools: bench/i18n.py). The language is `--lang` where a command takes it, else the
environment's: LC_ALL, then LC_MESSAGES, then LANG, Chinese when the first one set starts
with "zh". Plain lines, status.json and JSON output stay English: scripts read them.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

from toygan_tui.core.errors import UsageError
from toygan_tui.core.words import N_

__all__ = ["LANGS", "N_", "_", "check_lang", "env_lang", "speaking", "use"]

LANGS = ("en", "zh")
DOMAIN = "toygan"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
ENV_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX's order: the first one set decides

# Words a header or key bar shows that are made elsewhere (the keys' states, watch's and
# replay's status); translated where shown, marked here so the catalogues hold them.
SHOWN_WORDS = (
    N_("speed"), N_("status"), N_("PAUSED"), N_("max"), N_("note"), N_("replay"), N_("play"),
    N_("running"), N_("paused"), N_("finished"), N_("interrupted"), N_("diverged"),
    N_("stalled"), N_("pause"), N_("step"), N_("quit"), N_("report"), N_("tenth"),
    N_("ends"), N_("leave"), N_("go on"),
)  # fmt: skip

_speaking: gettext.NullTranslations = gettext.NullTranslations()
_lang = "en"


def env_lang(environ: Mapping[str, str] | None = None) -> str:
    """The environment's language: zh when the first of LC_ALL, LC_MESSAGES, LANG that is set
    starts with zh, else en."""
    environ = os.environ if environ is None else environ
    for name in ENV_VARS:
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise UsageError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")


def use(lang: str | None = None) -> str:
    """Speak `lang` from now on (None: the environment's); returns the language taken."""
    global _speaking, _lang
    check_lang(lang)
    _lang = lang or env_lang()
    if _lang == "en":
        _speaking = gettext.NullTranslations()
    else:
        _speaking = gettext.translation(DOMAIN, LOCALE_DIR, languages=[_lang])
    return _lang


def speaking() -> str:
    """The language in use: en or zh."""
    return _lang


def _(message: str) -> str:
    """The message in the language in use (English where the catalogue lacks it)."""
    return _speaking.gettext(message) if message else message
