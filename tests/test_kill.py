"""SIGKILL at random moments while a run checkpoints after every step: runs/last.pt always loads.

A kill cannot be caught, so only atomic writes protect the files. Starting a fresh interpreter
per kill would spend the test's time importing torch, so a harness process (this file, run as
a script) imports everything once, then forks one `toygan train --resume` after another and
SIGKILLs each at a random moment: during its start (reading, trimming metrics, writing the
config), mid-step, or mid-save. After every kill the checkpoints must load and the run's step
must never go back. Finally the run is resumed to the end, and it must match a run that was
never killed, bit for bit.

How far a child gets in a random 0-0.25 s depends on the machine and its load (a busy one may
never get past the start), so every third child is killed only once it has saved a step
beyond the last one seen (then after a random 0-20 ms more: mid-step or mid-save): the run
advances on any machine, and a kill that lost a saved step would show.

TOYGAN_KILL_TRIALS sets the number of kills (default 25, a few seconds).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clikit import ROOT, quick, sample_json, toygan

from toygan_tui.core.training.checkpoint import read_checkpoint

pytestmark = pytest.mark.slow  # 25 SIGKILLed trainers, then two runs

TRIALS = int(os.environ.get("TOYGAN_KILL_TRIALS", "25"))
BIG = 10**7  # the resumed children's --steps: they never finish before the kill


def run_harness(runs: Path, trials: int, seed: int) -> list[int]:
    """In the harness process: kill `trials` children; return last.pt's step after each."""
    import torch

    from toygan_tui.cli import main

    torch.set_num_threads(1)
    # One short run here first, so every child starts warm: the lazy imports (the engines,
    # plotext, the checkpoint writer) are done once, before forking.
    warm_up = toygan(*quick(runs.parent / "warm-up", "--steps", 2, "--report-every", 1))
    if warm_up.code != 0:  # the harness fails (exit 1), saying why, and so does the test
        sys.exit(f"the warm-up run exited {warm_up.code}:\n{warm_up.err}")
    rng = random.Random(seed)
    steps = []
    for trial in range(trials):
        pid = os.fork()
        if pid == 0:  # the child: a user running `toygan train --resume`, output discarded
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            try:
                main(["train", "--resume", str(runs / "k"), "--steps", str(BIG), "--no-live"])
            finally:
                os._exit(3)
        if trial % 3 == 2:  # once it has saved a step past the last one seen
            before = steps[-1] if steps else 0
            deadline = time.monotonic() + 60
            while saved_step(runs) <= before:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    sys.exit(f"trial {trial}: no step saved past {before} in 60 s")
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.02))
        else:
            time.sleep(rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        last = read_checkpoint(runs / "last.pt")  # raises if a kill left it half written
        run = read_checkpoint(runs / "k" / "ckpt.pt")
        json.loads((runs / "k" / "config.json").read_text())
        steps.append(min(last["step"], run["step"]))
    return steps


def saved_step(runs: Path) -> int:
    """The step both checkpoints hold now (atomic writes: a reader sees each whole)."""
    return min(read_checkpoint(runs / name)["step"] for name in ("k/ckpt.pt", "last.pt"))


def test_sigkill_at_random_moments_never_breaks_a_checkpoint(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # The run to kill: started properly, saving after every step.
    assert toygan(*quick(runs, "--name", "k", "--steps", 5, "--save-every", 1)).code == 0

    harness = subprocess.Popen(
        [sys.executable, __file__, str(runs), str(TRIALS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{Path(__file__).parent}"},
        start_new_session=True,  # its own process group, with the children it forks
    )
    try:
        out, err = harness.communicate(timeout=60 + TRIALS)
    except BaseException:  # timed out (or interrupted): no child may go on training
        os.killpg(harness.pid, signal.SIGKILL)
        harness.communicate()
        raise
    assert harness.returncode == 0, err
    steps = json.loads(out)
    assert len(steps) == TRIALS
    assert steps == sorted(steps)  # a kill never loses a saved step
    # Every third child was killed only after saving past the step the trial before it left.
    assert all(step > before for step, before in zip(steps[2::3], steps[1::3], strict=False))

    # Resumed to the end once more, the killed run is the run that was never killed.
    end = steps[-1] + 30
    assert toygan("train", "--resume", runs / "k", "--steps", end, "--no-live").code == 0
    assert toygan(*quick(runs, "--name", "whole", "--steps", end)).code == 0
    assert sample_json(runs / "k" / "ckpt.pt") == sample_json(runs / "whole" / "ckpt.pt")
    assert not list(runs.rglob(".ckpt.pt.*.tmp")) + list(runs.rglob(".last.pt.*.tmp"))
    lines = (runs / "k" / "metrics.jsonl").read_text().splitlines()
    steps_logged = [json.loads(line)["step"] for line in lines]
    assert steps_logged == sorted(set(steps_logged))  # no step reported twice


if __name__ == "__main__":
    print(json.dumps(run_harness(Path(sys.argv[1]), int(sys.argv[2]), seed=1)))
