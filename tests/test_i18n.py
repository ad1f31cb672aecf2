"""中文: the catalogues (gettext .po/.mo, Babel's tools), the language a command speaks, and
wide characters in the layout (a Chinese character takes two cells)."""

from __future__ import annotations

import gettext
import html
import importlib.util
import re
import string
import sys
from pathlib import Path
from types import ModuleType

import pytest
from clikit import ROOT, toygan
from rich.cells import cell_len
from snapshots import draw, make_snapshot, visible

from toygan_tui.core.lessons import lessons
from toygan_tui.core.runfiles.diagnosis import STATES
from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.history import History
from toygan_tui.ui.i18n import LOCALE_DIR, _, env_lang, speaking, use
from toygan_tui.ui.lesson_view import PANEL_SHARE, PANEL_WIDTH, Panel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - toygan's own dependency there
    import tomli as tomllib

PACKAGE = ROOT / "toygan_tui"


def bench_i18n() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_i18n", ROOT / "bench" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


I18N = bench_i18n()
PO = {m.id: m for m in I18N.read("zh") if m.id}


def test_every_message_toygan_shows_is_translated() -> None:
    wanted = {m.id for m in I18N.template() if m.id}
    assert len(wanted) > 100
    untranslated = sorted(i for i in wanted if i not in PO or not PO[i].string or PO[i].fuzzy)
    assert untranslated == [], "run `make i18n` and translate these in the .po"


def test_the_mo_is_the_po_compiled() -> None:
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "toygan.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert {i: compiled.gettext(i) for i in PO} == {i: m.string for i, m in PO.items()}


def test_a_translation_keeps_its_messages_fields() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert [i for i, m in PO.items() if fields(i) != fields(m.string)] == []


def test_no_message_hides_in_an_f_string() -> None:
    """Babel's extractor does not look inside f-strings: _("...") there is never collected."""
    hidden = re.compile(r"""f(["']).*\{_\(\s*["']""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in PACKAGE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if hidden.search(line)
    ]
    assert found == []


def test_the_catalogues_and_lessons_are_shipped_with_the_package() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = data["package-data"]
    shipped = {
        path
        for package, patterns in globs.items()
        for pattern in patterns
        for path in (ROOT / package.replace(".", "/")).glob(pattern)
    }
    assert {lesson.path for lesson in lessons()} <= shipped
    assert LOCALE_DIR / "zh" / "LC_MESSAGES" / "toygan.mo" in shipped


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL decides
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C"}, "zh"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_environment_picks_the_language(environ: dict[str, str], lang: str) -> None:
    assert env_lang(environ) == lang


def test_use_switches_the_words() -> None:
    assert use("zh") == "zh" and speaking() == "zh"
    assert _("GAN signals") == "GAN 信号" and _("D is winning") == "D 占上风"
    assert _("no such message") == "no such message"  # English where there is none
    use("en")
    assert _("GAN signals") == "GAN signals"


def test_lang_zh_or_a_chinese_environment_speaks_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = toygan("lesson", "--lang", "zh")
    assert listed.code == 0 and "读懂信号" in listed.out and "环上的模式崩溃" in listed.out
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "读懂信号" in toygan("lesson").out
    assert "Reading the signals" in toygan("lesson", "--lang", "en").out
    bad = toygan("train", "--lang", "fr")
    assert bad.code == 2 and bad.err == "toygan: error: --lang must be one of en, zh, got 'fr'\n"


def test_plain_lines_stay_english_for_scripts(tmp_path: Path) -> None:
    result = toygan("train", "--steps", "300", "--runs-dir", tmp_path, "--no-live", "--lang", "zh")
    assert result.code == 0
    assert "d_loss" in result.out and "diagnosis: learning" in result.out
    assert not re.search(r"[\u4e00-\u9fff]", result.out)


def diagnosed(state: str = "D is winning") -> Diagnosis:
    found = next(s for s in STATES if s.name == state)
    key = next(iter(found.reasons))
    names = [n for _, n, _, _ in string.Formatter().parse(found.reasons[key]) if n]
    return Diagnosis(found.name, found.reasons[key], {n: "0.123" for n in names}, found.tone)


@pytest.mark.parametrize("size", [(80, 24), (72, 24), (60, 24), (100, 30)])
@pytest.mark.parametrize("state", [s.name for s in STATES])
def test_the_chinese_dashboard_fits_its_cells(size: tuple[int, int], state: str) -> None:
    """Every line of a frame in Chinese is exactly the terminal's width in cells: nothing
    wraps, and the columns of numbers line up (their labels padded by cells, not characters)."""
    width, height = size
    use("zh")
    snap = make_snapshot(extra={"speed": "max", "status": "PAUSED"}, diagnosis=diagnosed(state))
    drawn = visible(draw(render(snap, History()), width, height))
    lines, rest = drawn[:height], drawn[height:]
    assert rest in ([], [""])  # what follows the last line's newline
    assert lines[0].startswith("toygan 运行") and "状态 已暂停" in lines[0]
    assert lines[2].startswith(_(state))
    assert all(cell_len(line) <= width for line in lines) and len(lines) == height
    numbers = [line for line in lines if re.match(r"(D 损失|G 损失|D\(real\)) ", line)]
    marks = {cell_len(line[: line.index("→")]) for line in numbers}
    assert len(numbers) == 3 and len(marks) == 1, numbers  # "→ 1.386" in one column


def lesson_texts() -> list[str]:
    return [t for lesson in lessons() for p in lesson.parts
            for t in (p.intro, *(x.text for x in p.pauses))]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_lesson_text_fits_its_panel_at_80_by_24(lang: str) -> None:
    use(lang)
    room = int((24 - 1) * PANEL_SHARE)  # Live draws one line short of the terminal
    for text in lesson_texts():
        panel = Panel("Lesson 5: The conditional GAN", _("space: go on"), _(text))
        assert 1 + panel.rows(80, beside=False) <= room, text
        assert panel.rows(PANEL_WIDTH, beside=True) <= 24, text
        assert all(cell_len(line) <= 80 for line in panel.text(80, beside=False).plain.split("\n"))


def test_replay_speaks_chinese_and_its_svg_gives_a_wide_character_two_cells(
    tmp_path: Path,
) -> None:
    from watchkit import make_run

    make_run(tmp_path, "r", [50, 100, 150])
    out = tmp_path / "frame.svg"
    result = toygan("replay", "r", "--runs-dir", tmp_path, "--out", out, "--lang", "zh")
    assert result.code == 0, result.err
    runs = re.findall(r'textLength="([\d.]+)"[^>]*>([^<]*)</text>', out.read_text())
    widths = {round(float(n) / cell_len(html.unescape(t)), 3) for n, t in runs if t.strip()}
    assert len(widths) == 1  # every run of text as wide as its cells: CJK two each
    assert any("信号" in html.unescape(text) for _, text in runs)
