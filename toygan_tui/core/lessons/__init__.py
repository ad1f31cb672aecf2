"""Lessons: prepared runs that say what to watch, and pause at chosen moments to explain or ask.

A lesson is data, one TOML file beside this module (`<n>-<name>.toml`, n its number; `toygan
lesson FILE` runs a file of one's own). It has a title and a summary, and one or more parts;
each part is a run (its options as `toygan train` takes them, by their config names: lr_d, not
--lr-d), a speed cap, an opening text, and pauses: at a step (the first report at or past it),
or when a named diagnosis state first shows (core/runfiles/diagnosis.py). The texts are the
English messages of the translations (ui/i18n.py); a paragraph's lines are joined, paragraphs
stay apart. Loading checks everything but the run's config, which `Part.config()` resolves.
Torch-free.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.config import OPTIONS, TrainConfig, resolve
from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.diagnosis import STATE_NAMES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the 3.10 backport of the same parser
    import tomli as tomllib

HOME = Path(__file__).resolve().parent
FILE_NAME = re.compile(r"^(\d+)-[\w-]+\.toml$")


class LessonError(InputError):
    """A lesson that cannot be read or run; the message is one line for the user."""


@dataclass(frozen=True)
class Pause:
    text: str
    at: int | None = None  # the first report at or past this step...
    when: str | None = None  # ...or the first whose diagnosis is this state


@dataclass(frozen=True)
class Part:
    title: str
    options: dict[str, Any]  # by config name, as `toygan train` would take them typed
    intro: str  # what to watch, before the first pause
    pauses: tuple[Pause, ...]
    speed: float | None = None  # steps/s the run is capped at (None: full speed)

    def config(self) -> TrainConfig:
        """The run's config: the options typed over the table's defaults (the problem's,
        loss's and recipe's where not typed); a bad value is one line (exit 2)."""
        defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
        cfg = resolve({**defaults, **self.options}, set(self.options))
        late = [p.at for p in self.pauses if p.at is not None and p.at > cfg.steps]
        if late:
            raise LessonError(f"a pause at step {late[0]} comes after the run's {cfg.steps} steps")
        return cfg


@dataclass(frozen=True)
class Lesson:
    number: int  # 0 for a file of one's own
    title: str
    summary: str
    parts: tuple[Part, ...]
    path: Path


def lessons() -> list[Lesson]:
    """The lessons toygan ships, by number."""
    found = [(FILE_NAME.match(p.name), p) for p in HOME.glob("*.toml")]
    return sorted((load(p, int(m.group(1))) for m, p in found if m), key=lambda x: x.number)


def find_lesson(name: str) -> Lesson:
    """Lesson `name`: a shipped lesson's number, or a lesson file's path."""
    if name.isdigit():
        shipped = {lesson.number: lesson for lesson in lessons()}
        if int(name) not in shipped:
            raise LessonError(f"no lesson {name}: there are {', '.join(map(str, shipped))}")
        return shipped[int(name)]
    path = Path(name)
    if not path.is_file():
        raise LessonError(f"{name}: no such lesson number or file (list them: toygan lesson)")
    return load(path, 0)


def load(path: Path, number: int) -> Lesson:
    """The lesson in a TOML file; LessonError names the file and what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LessonError(f"lesson {path}: cannot read it ({exc})") from None
    try:
        return _lesson(data, path, number)
    except (KeyError, TypeError, ValueError) as exc:
        raise LessonError(f"lesson {path}: {_what(exc)}") from None


def paragraphs(text: str) -> str:
    """A text as the translations hold it: each paragraph's lines joined by spaces, the
    paragraphs by a blank line."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(block.split()) for block in blocks if block.strip())


def _lesson(data: dict[str, Any], path: Path, number: int) -> Lesson:
    _only(data, {"title", "summary", "parts"}, "the lesson")
    parts = tuple(_part(p, i + 1) for i, p in enumerate(_list(data, "parts")))
    if not parts:
        raise ValueError("no parts: a lesson has at least one [[parts]]")
    return Lesson(number, _text(data, "title"), _text(data, "summary"), parts, path)


def _part(data: Any, n: int) -> Part:
    if not isinstance(data, dict):
        raise TypeError(f"part {n} is not a table")
    _only(data, {"title", "options", "intro", "speed", "pauses"}, f"part {n}")
    options = data.get("options", {})
    unknown = sorted(set(options) - set(OPTIONS)) if isinstance(options, dict) else ["?"]
    if unknown:
        raise ValueError(f"part {n}: {unknown[0]!r} is no option of toygan train")
    speed = data.get("speed")
    if speed is not None and not (isinstance(speed, (int, float)) and speed > 0):
        raise ValueError(f"part {n}: speed must be a positive number of steps/s")
    pauses = tuple(_pause(p, n) for p in _list(data, "pauses"))
    title = _text(data, "title") if "title" in data else ""
    return Part(title, dict(options), _text(data, "intro"), pauses, speed)


def _pause(data: Any, n: int) -> Pause:
    if not isinstance(data, dict) or ("at" in data) == ("when" in data):
        raise ValueError(f"part {n}: each pause has either `at` (a step) or `when` (a state)")
    _only(data, {"at", "when", "text"}, f"a pause of part {n}")
    at, when = data.get("at"), data.get("when")
    if at is not None and (not isinstance(at, int) or isinstance(at, bool) or at < 0):
        raise ValueError(f"part {n}: `at` must be a step (0 or more), got {at!r}")
    if when is not None and when not in STATE_NAMES:
        raise ValueError(f"part {n}: `when` must be one of {', '.join(STATE_NAMES)}")
    return Pause(_text(data, "text"), at, when)


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be some text")
    return paragraphs(value)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list of tables ([[{key}]])")
    return value


def _only(data: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        raise ValueError(f"{where} has no {unknown[0]!r} (it has {', '.join(sorted(keys))})")


def _what(exc: Exception) -> str:
    """An exception's message, a missing key said as such."""
    return f"{exc.args[0]!r} is missing" if isinstance(exc, KeyError) else str(exc)
