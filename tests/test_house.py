"""The rules of the house (docs/architecture.md), read off the source: no circle of imports
among files or folders, imports that point one way between the layers, one meaning per file
name, commands/ holding commands only."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from importgraph import PACKAGE, circles, edges, folder_edges, modules

# Where a layer's modules may not reach (static: any import, even a lazy one, is a tie).
FORBIDDEN = {
    # the run-files side reads and writes runs/ for the torch-free readers (watch, runs, plot)
    "toygan_tui.core.runfiles": ("toygan_tui.core.training", "toygan_tui.core.engines",
                                 "toygan_tui.core.nets", "toygan_tui.launch",
                                 "toygan_tui.commands", "toygan_tui.ui", "toygan_tui.cli"),
    # engines see a run through their contract, never the training package
    "toygan_tui.core.engines": ("toygan_tui.core.training", "toygan_tui.launch",
                                "toygan_tui.commands", "toygan_tui.ui", "toygan_tui.cli"),
    "toygan_tui.core": ("toygan_tui.launch", "toygan_tui.commands", "toygan_tui.ui",
                        "toygan_tui.cli"),
    # ui draws reports: never the training, the engines, or the command line
    "toygan_tui.ui": ("toygan_tui.core.training", "toygan_tui.core.engines",
                      "toygan_tui.core.nets", "toygan_tui.launch", "toygan_tui.commands",
                      "toygan_tui.cli"),
    "toygan_tui.launch": ("toygan_tui.commands", "toygan_tui.cli"),
    "toygan_tui.commands": ("toygan_tui.cli",),
}  # fmt: skip
COMMANDS = {"train", "sweep", "sample", "plot", "watch", "replay", "runs", "lesson"}


def test_the_graph_is_read_from_the_source() -> None:
    # Guards the tests below against passing on an empty or misread graph.
    graph = edges()
    assert len(graph) > 100
    assert "toygan_tui.core.engines.factory" in graph["toygan_tui.core.training.trainer"]
    assert "toygan_tui.core.engines.contract" in graph["toygan_tui.core.engines.numpy_cpu.cpu"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_circle_of_files() -> None:
    assert circles(edges()) == []


def test_no_circle_of_folders() -> None:
    assert circles(folder_edges(edges())) == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_one_way(layer: str) -> None:
    ties = [
        f"{source} -> {target}"
        for source, targets in edges().items()
        if source == layer or source.startswith(layer + ".")
        for target in targets
        for banned in FORBIDDEN[layer]
        if target == banned or target.startswith(banned + ".")
    ]
    assert ties == []


def test_no_file_name_means_two_things() -> None:
    names = Counter(p.name for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")
    assert [name for name, n in names.items() if n > 1] == []


def test_no_problem_or_loss_is_asked_for_by_name_outside_its_home() -> None:
    """A problem knows its view, nets and measures; a loss its formulas: no `if problem ==
    "grid"` elsewhere (the registries say which names there are)."""
    from toygan_tui.core.losses import LOSSES
    from toygan_tui.core.problems import PROBLEMS

    names = "|".join(re.escape(n) for n in [*PROBLEMS, *LOSSES])
    asked = re.compile(rf"""(==|!=|\bin\b) *[\(\[{{]?["']({names})["']""")
    homes = (PACKAGE / "core" / "problems", PACKAGE / "core" / "losses.py")
    leaks = [
        f"{path.relative_to(PACKAGE)}:{i}"
        for path in PACKAGE.rglob("*.py")
        if not any(path == home or home in path.parents for home in homes)
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if asked.search(line)
    ]
    assert leaks == []


def test_commands_holds_one_module_per_command_and_nothing_else() -> None:
    found = {p.stem for p in (PACKAGE / "commands").glob("*.py")} - {"__init__"}
    assert found == COMMANDS
    assert {f"toygan_tui.commands.{c}" for c in COMMANDS} <= set(modules())
