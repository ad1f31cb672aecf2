"""N_: marks an English message for the translations, and leaves it English: whoever shows it
translates it then (ui/i18n.py). `make i18n` collects every N_("...") and _("...") of the
package into the catalogues (bench/i18n.py)."""

from __future__ import annotations


def N_(message: str) -> str:
    return message
