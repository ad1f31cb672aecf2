"""Frames for sharing: an asciinema v2 recording of a replay, or one frame as SVG.

asciicast v2 (docs.asciinema.org): a header line, a JSON object with version, width and
height, then one JSON array per event, [seconds, "o", text written to the terminal]. Each
frame rewrites only the lines that changed, so a recording stays small.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterable, Iterator

from rich.cells import cell_len
from rich.console import Console, RenderableType

HIDE_CURSOR, SHOW_CURSOR, CLEAR = "\x1b[?25l", "\x1b[?25h", "\x1b[2J"
SVG_TEXT = re.compile(r'(<text [^>]*textLength=")([\d.]+)("[^>]*>)([^<]*)(</text>)')


def _console(width: int, height: int, record: bool = False) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        height=height,
        force_terminal=True,
        color_system="truecolor",
        record=record,
        legacy_windows=False,
        _environ={},  # the recording looks the same whatever this terminal's NO_COLOR, COLUMNS
    )


def frame_lines(frame: RenderableType, width: int, height: int) -> list[str]:
    """The frame as `height` lines of terminal text (colours as escape codes)."""
    console = _console(width, height)
    console.print(frame, end="")
    text = console.file.getvalue()  # type: ignore[attr-defined]
    lines = text.split("\n")[:height]
    return lines + [""] * (height - len(lines))


def asciicast(
    frames: Iterable[RenderableType], width: int, height: int, fps: float, title: str
) -> Iterator[str]:
    """The lines of an asciicast v2 file: the header, then one event per frame, 1/fps apart."""
    header = {"version": 2, "width": width, "height": height, "title": title}
    header["env"] = {"TERM": "xterm-256color"}
    yield json.dumps(header)
    shown = [""] * height
    at = 0.0
    for n, frame in enumerate(frames):
        lines = frame_lines(frame, width, height)
        changed = [(row, line) for row, line in enumerate(lines) if n == 0 or line != shown[row]]
        start = HIDE_CURSOR + CLEAR if n == 0 else ""
        text = start + "".join(f"\x1b[{row + 1};1H{line}" for row, line in changed)
        at = n / fps
        yield json.dumps([round(at, 6), "o", text], ensure_ascii=False)
        shown = lines
    yield json.dumps([round(at + 1.0 / fps, 6), "o", SHOW_CURSOR])


def svg(frame: RenderableType, width: int, height: int, title: str) -> str:
    """The frame as an SVG image of a terminal (Rich's own export)."""
    console = _console(width, height, record=True)
    console.print(frame, end="")
    return wide_text(console.export_svg(title=title))


def wide_text(svg_text: str) -> str:
    """Rich's SVG gives each run of text a length of one cell a character, though it places
    the runs by their cells: a Chinese character (two cells) is squeezed into one and a gap
    follows. Each run's length here is its cells'."""

    def widen(found: re.Match[str]) -> str:
        start, length, middle, text, end = found.groups()
        chars, cells = len(html.unescape(text)), cell_len(html.unescape(text))
        if chars and cells != chars:
            length = f"{float(length) * cells / chars:g}"
        return f"{start}{length}{middle}{text}{end}"

    return SVG_TEXT.sub(widen, svg_text)
