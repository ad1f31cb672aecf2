"""The documentation site against the CLI: every command of `toygan --help` has its page, in the
nav and in the commands table; every option of each command is on its page; the generated
options tables are what `make docs-gen` writes now; every block of the getting-started page
runs as written; the README stays short. (`make test` also builds the site with
`mkdocs build --strict`, which fails on a broken link, anchor or snippet.)"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from clikit import ROOT

DOCS = ROOT / "docs"
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.M)
FENCE = re.compile(r"^```bash\n(.*?)^```$", re.M | re.S)
README_MAX_LINES = 250


def docs_gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_gen", ROOT / "bench" / "docs_gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_gen"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


GEN = docs_gen()
COMMANDS = GEN.commands()


def page_text(path: Path) -> str:
    """A page as the site shows it: its snippets (`--8<-- "file"`) included."""
    text = path.read_text(encoding="utf-8")

    def include(match: re.Match[str]) -> str:
        for base in (DOCS, ROOT):
            if (base / match.group(1)).exists():
                return (base / match.group(1)).read_text(encoding="utf-8")
        raise AssertionError(f"{path.name}: no snippet {match.group(1)}")

    return SNIPPET.sub(include, text)


def test_the_generated_options_tables_are_up_to_date() -> None:
    assert GEN.stale() == [], "run `make docs-gen` and commit docs/_generated/"


def test_every_command_has_a_page_in_the_nav_and_the_commands_table() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    table = (DOCS / "commands" / "index.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert COMMANDS, "no commands found in the CLI"
    for name in COMMANDS:
        page = DOCS / "commands" / f"{name}.md"
        assert page.exists(), f"toygan {name} has no page: docs/commands/{name}.md"
        assert f'--8<-- "_generated/{name}.md"' in page.read_text(encoding="utf-8"), (
            f"docs/commands/{name}.md does not include its options table"
        )
        assert f"commands/{name}.md" in nav, f"docs/commands/{name}.md is not in mkdocs.yml's nav"
        assert f"(`toygan {name}`)" not in table  # a link, not plain text:
        assert f"[`toygan {name}`]({name}.md)" in table, f"toygan {name} not in commands/index.md"
        assert f"`toygan {name}`" in readme, f"toygan {name} not in README's commands table"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_of_a_command_is_on_its_page(name: str) -> None:
    text = page_text(DOCS / "commands" / f"{name}.md")
    params = GEN.params(COMMANDS[name])
    missing = [flag for p in params for flag in p.flags if f"`{flag}`" not in text]
    assert not missing, f"docs/commands/{name}.md lacks {missing}: run `make docs-gen`"


def getting_started_blocks() -> list[str]:
    """The page's bash blocks that the test runs: all but those whose first line is a
    comment beginning with `once` or `long` (the install, and the minutes-long digits)."""
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    blocks = FENCE.findall(text)
    return [b for b in blocks if not re.match(r"#\s*(once|long)\b", b.lstrip())]


def test_the_getting_started_page_says_which_blocks_it_does_not_run() -> None:
    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    assert len(FENCE.findall(text)) - len(getting_started_blocks()) == 2  # install, digits
    assert len(getting_started_blocks()) >= 6


@pytest.mark.slow
def test_every_block_of_the_getting_started_page_runs_as_written(tmp_path: Path) -> None:
    """In one scratch directory, in order, without a terminal (plain lines, no keys)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.pop("FORCE_COLOR", None)
    for block in getting_started_blocks():
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, f"this block failed:\n{block}\n{done.stderr[-2000:]}"
    assert (tmp_path / "curves.csv").exists()
    assert (tmp_path / "tutorial.cast").exists() and (tmp_path / "tutorial.svg").exists()


def test_the_readme_is_short_and_links_to_the_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).exists(), f"README links to a missing file: {link}"


def test_the_check_names_a_stale_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bench/docs_gen.py --check` fails on a table that differs from the CLI, or is missing."""
    for path, text in GEN.generated().items():
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(GEN, "OUT_DIR", tmp_path)
    monkeypatch.setattr(GEN, "ROOT", tmp_path.parent)
    assert GEN.stale() == []
    train = tmp_path / "train.md"
    train.write_text(train.read_text(encoding="utf-8").replace("`--seed`", "`--sead`"))
    (tmp_path / "sample.md").unlink()
    assert sorted(Path(p).name for p in GEN.stale()) == ["sample.md", "train.md"]
