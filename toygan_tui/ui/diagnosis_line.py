"""The diagnosis as a line of a frame: the state in its tone's colour, then its reason, in the
language in use (core/runfiles/diagnosis.py makes it; the dashboard and `toygan runs` show it).
"""

from __future__ import annotations

from rich.text import Text

from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.ui.i18n import _

TONES = {"good": "bold green", "bad": "bold red", "warn": "bold yellow"}  # a state's colour


def diagnosis_text(diagnosis: Diagnosis) -> Text:
    """'D is winning  D(real) 0.99, D(fake) 0.01: G's gradient fades; try --loss ns': the
    state in its tone's colour, then its reason (cut short at the frame's edge)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(_(diagnosis.state), style=TONES.get(diagnosis.tone, "bold"))
    return text.append("  " + _(diagnosis.reason).format(**diagnosis.values))
