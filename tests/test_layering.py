"""Imports point one way (docs/architecture.md): core/ never loads the terminal libraries,
ui/ never loads torch or typer, and the command line starts without torch. Checked at run
time in a fresh interpreter, since ruff's banned-api rule only sees import statements, not
what they pull in (tests/test_house.py reads the imports themselves).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from clikit import imports_of, loaded_modules, modules_after, modules_spy
from watchkit import Terminal, make_run

PACKAGE = Path(__file__).resolve().parents[1] / "toygan_tui"


def modules_in(folder: str) -> list[str]:
    """Every module file of toygan_tui/<folder> and its subfolders, as dotted names."""
    files = sorted((PACKAGE / folder).rglob("*.py"))
    names = [".".join(f.relative_to(PACKAGE.parent).with_suffix("").parts) for f in files]
    return [name.removesuffix(".__init__") for name in names]


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running code in a fresh interpreter."""
    return {name.split(".")[0] for name in modules_after(code)}


# The torch-free modules of core/ besides runfiles/ and problems/: the option table and its
# checks and help (--help reads them), a torchrun job's environment, a sweep's grid.
TORCH_FREE = ("losses", "errors", "options", "config", "checks", "option_help", "world",
              "recipes", "sweep_plan")  # fmt: skip


def test_the_core_modules_exist() -> None:
    # Guards the tests below against passing vacuously on an empty or renamed folder.
    expected = {
        "losses", "problems.curves", "problems.ring", "config", "training.trainer",
        "training.checkpoint", "engines.autograd.reference", "engines.numpy_cpu.cpu",
        "runfiles.snapshot",
        "runfiles.status", "runfiles.follow",
    }  # fmt: skip
    assert {f"toygan_tui.core.{name}" for name in expected} <= set(modules_in("core"))


def test_the_run_files_problems_and_losses_never_load_torch() -> None:
    """watch, runs, plot and replay read runs through these; a lint rule bans torch in
    core/runfiles (and at module level in core/problems); this checks what they pull in."""
    modules = (
        modules_in("core/runfiles")
        + modules_in("core/problems")
        + [f"toygan_tui.core.{name}" for name in TORCH_FREE]
    )
    assert len(modules) > 15
    loaded = loaded_after("\n".join(f"import {module}" for module in modules))
    assert "numpy" in loaded  # the imports really ran
    assert "torch" not in loaded


@pytest.mark.slow
def test_core_never_loads_rich_plotext_or_typer() -> None:
    imports = "\n".join(f"import {module}" for module in modules_in("core"))
    loaded = loaded_after(imports)
    assert "torch" in loaded  # the imports really ran
    assert not loaded & {"rich", "plotext", "typer"}


def test_ui_never_loads_torch_or_typer() -> None:
    ui_modules = modules_in("ui")
    assert {"toygan_tui.ui.chart", "toygan_tui.ui.dashboard", "toygan_tui.ui.live"} <= set(
        ui_modules
    )
    loaded = loaded_after("\n".join(f"import {module}" for module in ui_modules))
    assert "rich" in loaded  # the imports really ran
    assert not loaded & {"torch", "typer"}


def test_cli_help_does_not_import_torch() -> None:
    code = (
        "from toygan_tui.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
    )
    loaded = loaded_after(code)
    assert "typer" in loaded
    assert "torch" not in loaded


def test_python_m_toygan_tui_help_starts_without_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "toygan_tui", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PACKAGE.parent,
        env={"PATH": "", "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "100"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "train" in result.stdout
    # -X importtime logs one "import time: ... | <module>" line per module imported.
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "typer" in imported
    assert "torch" not in imported


READERS = {
    "runs": ["runs"],
    "runs-json": ["runs", "--format", "json"],
    "plot": ["plot", "a"],
    "plot-two": ["plot", "a", "b", "--metric", "in_bounds"],
}


@pytest.mark.slow
@pytest.mark.parametrize("reader", READERS)
def test_runs_and_plot_never_import_torch(tmp_path: Path, reader: str) -> None:
    """README: `runs` and `plot` read the run files only: no torch, with or without a
    terminal (the pty case draws in colour at the terminal's size)."""
    for run_id in ("a", "b"):
        make_run(tmp_path / "runs", run_id, [100, 200], total=200, end="finished")
    args = [*READERS[reader], "--runs-dir", tmp_path / "runs"]
    piped = imports_of(*args)
    assert piped.result.code == 0 and "a" in piped.result.out, piped.result
    assert "rich" in piped.packages and "torch" not in piped.packages  # it ran, without torch
    report = tmp_path / "modules.json"
    term = Terminal(modules_spy(report, *args), 100, 60)
    try:
        assert term.exit_status() == 0, term.text()
    finally:
        term.close()
    in_a_terminal = {name.split(".")[0] for name in loaded_modules(report)}
    assert "rich" in in_a_terminal and "torch" not in in_a_terminal
