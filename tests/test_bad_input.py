"""Every bad input gets one clear line and the right exit code: the table the docs summarise
(docs/reliability.md).

Each row is what a user types (and where: options, values, paths, files, the environment), the
exit code, and words the message must contain. Most rows run in this process; rows marked
`process` run in a fresh interpreter, and `pty` rows in a real terminal of a given size, to show
that no traceback reaches the user. For exit 2 the whole of stderr is one `toygan: error:` line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from clikit import (
    ROOT,
    Payload,
    Result,
    disk_full,
    read_to_exit,
    toygan,
    toygan_argv,
    toygan_env,
    toygan_process,
)
from ptyprocess import PtyProcess

from toygan_tui.core.runfiles import atomic
from toygan_tui.core.training.checkpoint import read_checkpoint

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


@dataclass(frozen=True)
class Case:
    args: str  # what the user types after `toygan`; {name} is a file of the `world` fixture
    code: int
    message: str  # words the output must contain (stderr, or stdout when the exit is 0)
    how: str = "cli"  # cli: in this process; process: a fresh one; pty: a real terminal
    env: dict[str, str | None] = field(default_factory=dict)  # None removes a variable
    size: tuple[int, int] = (24, 80)  # rows, columns of the pty


TRAIN = "train --device cpu --no-live --runs-dir {scratch}"
SHORT = "--steps 60 --report-every 20"
# fmt: off
TABLE = {
    # -- train: options and values ---------------------------------------------------------
    "steps zero": Case(f"{TRAIN} --steps 0", 2, "--steps must be positive, got 0"),
    "steps negative": Case(f"{TRAIN} --steps -5", 2, "--steps must be positive, got -5"),
    "steps not a number": Case(f"{TRAIN} --steps ten", 2, "Invalid value for '--steps'"),
    "steps missing value": Case(f"{TRAIN} --steps", 2, "Option '--steps' requires an argument"),
    "batch size zero": Case(f"{TRAIN} --batch-size 0", 2, "--batch-size must be positive"),
    "lr-g zero": Case(f"{TRAIN} --lr-g 0", 2, "--lr-g must be a positive finite number"),
    "lr-d nan": Case(f"{TRAIN} --lr-d nan", 2, "--lr-d must be a positive finite number, got nan"),
    "lr-g infinite": Case(f"{TRAIN} --lr-g inf", 2, "--lr-g must be a positive finite number"),
    "lr-d beyond float32": Case(f"{TRAIN} --lr-d 1e38", 2, "--lr-d must be at most 1e+15"),
    "save-every zero": Case(f"{TRAIN} --save-every 0", 2, "--save-every must be positive"),
    "report-every negative": Case(f"{TRAIN} --report-every -1", 2, "--report-every must be posi"),
    "threads zero": Case(f"{TRAIN} --threads 0", 2, "--threads must be positive"),
    "unknown device": Case(f"{TRAIN} --device tpu", 2, "--device must be one of auto, cpu, cuda"),
    "cuda without cuda": Case(f"{TRAIN} --device cuda", 2, "CUDA is not available here"),
    "unknown engine": Case(f"{TRAIN} --engine turbo", 2, "--engine must be one of auto, fast"),
    "name with a path": Case(f"{TRAIN} --name ../out", 2, "--name must be a plain directory name"),
    "name taken": Case("train --runs-dir {runs} --name a --no-live", 2, "run 'a' already exists"),
    "unknown option": Case(f"{TRAIN} --epochs 3", 2, "No such option: --epochs"),
    "value for a flag": Case(f"{TRAIN} --live yes", 2, "unexpected extra argument(s) (yes)"),
    "unknown command": Case("fly", 2, "No such command 'fly'"),
    "bad value, fresh process": Case(f"{TRAIN} --batch-size -1", 2, "--batch-size must be positive",
                                     how="process"),
    # -- train: where the run goes -----------------------------------------------------------
    "runs dir is a file": Case(f"train --runs-dir {{file}} --no-live {SHORT}", 2,
                               "cannot write the run into {file}: Not a directory"),
    "runs dir read-only": Case(f"train --runs-dir {{readonly}} --no-live {SHORT}", 2,
                               "cannot write the run into {readonly}"),
    "runs dir full": Case(f"{TRAIN} {SHORT}", 2, "cannot write the run into {scratch}: No space"),
    # -- train --resume -----------------------------------------------------------------------
    "resume a missing path": Case("train --resume {scratch}/nothing", 2, "nothing: no such file"),
    "resume a text file": Case("train --resume {text}", 2, "not a toygan checkpoint"),
    "resume an empty directory": Case("train --resume {dir}", 2, "no checkpoint here"),
    "resume a lone checkpoint": Case("train --resume {orphan}", 2,
                                     "its run directory 'a' is not beside it"),
    "resume with another seed": Case("train --resume {run} --steps 99 --seed 3", 2,
                                     "--seed 3 differs from the run's --seed 1"),
    "resume under another name": Case("train --resume {run} --steps 99 --name b", 2,
                                      "a resumed run keeps its id 'a'"),
    "resume a finished run": Case("train --resume {run}", 0, "already finished: step 60 of 60"),
    # -- sample: options and checkpoint files --------------------------------------------------
    "sample a missing file": Case("sample --ckpt {scratch}/none.pt", 2, "none.pt: no such file"),
    "sample an empty file": Case("sample --ckpt {empty}", 2, "the file is empty"),
    "sample a text file": Case("sample --ckpt {text}", 2, "not a toygan checkpoint"),
    "sample a truncated file": Case("sample --ckpt {truncated}", 2, "not a toygan checkpoint"),
    "sample a directory": Case("sample --ckpt {dir}", 2, "is a directory, not a checkpoint file"),
    "sample a bare tensor": Case("sample --ckpt {tensor}", 2, "not a toygan checkpoint"),
    "sample a foreign dict": Case("sample --ckpt {foreign}", 2, "not a toygan checkpoint"),
    "sample another format": Case("sample --ckpt {v99}", 2, "checkpoint format 99 is not supp"),
    "sample another shape": Case("sample --ckpt {shape}", 2, "G does not fit its config"),
    "sample a damaged one": Case("sample --ckpt {nokey}", 2, "damaged checkpoint (no 'opt_G')"),
    "sample a pickle payload": Case("sample --ckpt {evil}", 2, "not a toygan checkpoint",
                                    how="process", env={"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}),
    "sample zero curves": Case("sample --ckpt {ckpt} -n 0", 2, "--num must be between 1 and"),
    "sample unknown format": Case("sample --ckpt {ckpt} --format xml", 2, "--format must be one"),
    "sample npy to stdout": Case("sample --ckpt {ckpt} --format npy", 2, "give a file with --out"),
    "sample into a missing dir": Case("sample --ckpt {ckpt} --format csv --out {scratch}/x/y.csv",
                                      2, "does not exist"),
    "sample seed not a number": Case("sample --ckpt {ckpt} --seed x", 2, "Invalid value for"),
    "sample empty file, fresh process": Case("sample --ckpt {empty}", 2, "the file is empty",
                                             how="process"),
    # -- plot ------------------------------------------------------------------------------------
    "plot a missing run": Case("plot {scratch}/nope", 2, "nope: no such run in runs"),
    "plot with no runs": Case("plot --runs-dir {dir}", 2, "no runs in"),
    "plot an unknown metric": Case("plot {run} --metric speed", 2, "'speed' is not a metric"),
    "plot a run with no reports": Case("plot {noreports}", 2, "no reports yet"),
    "plot a garbage metrics file": Case("plot {garbage}/metrics.jsonl", 2, "no reports yet"),
    "plot runs, one missing": Case("plot {run} {scratch}/nope", 2, "nope: no such run in runs"),
    "plot a run twice": Case("plot {run} {run}/metrics.jsonl", 2, "the same run is given twice"),
    "plot seven runs": Case("plot {run} {run} {run} {run} {run} {run} {run}", 2,
                            "plot compares at most 6 runs, got 7"),
    # -- the environment ---------------------------------------------------------------------------
    "no HOME": Case(f"{TRAIN} {SHORT}", 0, "done at step 60/60", how="process", env={"HOME": None}),
    "TERM=dumb": Case(f"train --device cpu --runs-dir {{scratch}} {SHORT}", 0, "step 40/60 d_loss",
                      how="pty", env={"TERM": "dumb"}),
    "tiny terminal": Case(f"train --device cpu --live --runs-dir {{scratch}} {SHORT}", 0,
                          "done at step 60/60", how="pty", size=(6, 30)),
}
# fmt: on
MARKS = {"cuda without cuda": [NO_CUDA]}


def test_the_table_holds_as_many_bad_inputs_as_the_docs_say_across_all_commands() -> None:
    page = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    promise = re.search(r"hold a table of (\d+) such inputs", page)
    assert promise is not None, "docs/reliability.md no longer says how many bad inputs are tested"
    assert len(TABLE) == int(promise[1])
    commands = {case.args.split()[0] for case in TABLE.values()}
    assert {"train", "sample", "plot"} <= commands


# -- the files the rows point at ------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("world")
    runs = base / "runs"
    done = toygan("train", "--device", "cpu", "--no-live", "--runs-dir", runs, "--name", "a",
                  *SHORT.split())  # fmt: skip
    assert done.code == 0, done.err
    ckpt = runs / "a" / "ckpt.pt"
    data = read_checkpoint(ckpt)
    files = {"runs": runs, "run": runs / "a", "ckpt": ckpt}

    def put(name: str, content: bytes | object) -> None:
        files[name] = base / f"{name}.pt"
        if isinstance(content, bytes):
            files[name].write_bytes(content)
        else:
            torch.save(content, files[name])

    put("text", b"step,d_loss\n1,0.5\n")
    put("empty", b"")
    put("truncated", ckpt.read_bytes()[: ckpt.stat().st_size // 2])
    put("tensor", torch.zeros(3))
    put("foreign", {"weights": torch.zeros(3)})
    put("v99", {**data, "format_version": 99})
    put("shape", {**data, "G": {k: torch.zeros(2, 2) for k in data["G"]}})
    put("nokey", {k: v for k, v in data.items() if k != "opt_G"})
    put("evil", {"format": "toygan-checkpoint", "G": Payload(base / "pwned")})
    (base / "lone").mkdir()
    files["orphan"] = base / "lone" / "ckpt.pt"
    shutil.copy(ckpt, files["orphan"])
    files["file"] = base / "a-file"
    files["file"].write_text("not a directory")
    for name, text in (("dir", None), ("noreports", ""), ("garbage", "{not json\n\x00\x01\n")):
        files[name] = base / name
        files[name].mkdir()
        if text is not None:
            (files[name] / "config.json").write_text("{}")
            (files[name] / "metrics.jsonl").write_text(text)
    return files


@pytest.fixture
def readonly(tmp_path: Path) -> Iterator[Path]:
    """A runs directory nobody may write to (root too: chattr +i where chmod is not enough)."""
    path = tmp_path / "readonly"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", path]).returncode:
        pytest.skip("root here cannot make a directory read-only (no chattr +i)")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", path], check=True)


# -- running a row ------------------------------------------------------------------------------


def run_case(case: Case, paths: dict[str, Path]) -> Result:
    args = [part.format(**paths) for part in case.args.split()]
    env = {k: v for k, v in {**os.environ, **case.env}.items() if v is not None}
    if case.how == "process":
        return toygan_process(*args, env=env)
    if case.how == "pty":
        return in_pty(args, env, case.size)
    return toygan(*args)


def in_pty(args: list[str], env: dict[str, str], size: tuple[int, int]) -> Result:
    child = PtyProcess.spawn(toygan_argv(*args), env=toygan_env(env), dimensions=size)
    out = read_to_exit(child)  # killed, and the test failed, if it never ends
    return Result(child.exitstatus, out, "")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=MARKS.get(n, []), id=n.replace(" ", "-")) for n in TABLE]
)
def test_bad_input(
    name: str, world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    case = TABLE[name]
    paths = {**world, "scratch": tmp_path / "scratch"}
    if "{readonly}" in case.args:
        paths["readonly"] = request.getfixturevalue("readonly")
    if name == "runs dir full":
        monkeypatch.setattr(atomic.os, "fsync", disk_full)

    result = run_case(case, paths)

    said = result.err if case.code else result.out
    if case.how == "pty":
        said = " ".join(result.out.split())  # a tiny terminal wraps lines
    assert result.code == case.code, result.err or result.out
    assert case.message.format(**paths) in said
    assert "Traceback" not in result.err + result.out
    if case.code == 2:
        assert re.fullmatch(r"toygan: error: [^\n]+\n", result.err), result.err
    if case.how == "pty" and case.env.get("TERM") == "dumb":
        assert "\x1b[" not in result.out  # plain lines, no cursor control
    assert not (world["runs"].parent / "pwned").exists()
