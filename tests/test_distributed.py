"""torchrun jobs on the CPU: 2 gloo processes train the 1-process run, to float rounding.

The engine test spawns the two ranks itself (torch.multiprocessing, a file store) and reads
both ranks' weights; the command tests run `torchrun --standalone --nproc-per-node 2 -m
toygan_tui train ...` as a user would, and compare rank 0's checkpoint with a plain run's.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from clikit import ROOT, metrics_rows, toygan, toygan_env
from watchkit import Terminal, wait_for

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.data_parallel.data_parallel import DataParallelEngine
from toygan_tui.core.errors import InputError
from toygan_tui.core.training.checkpoint import read_checkpoint
from toygan_tui.core.training.state import new_state
from toygan_tui.core.world import World, check_job, world_from_env

# Two ranks average two shards' mean gradients where one process takes the whole batch's mean:
# the sums round differently (~1e-7 a step), and Adam carries that on. Measured after 30 steps:
# ~1e-7; the bound leaves room for other CPUs' BLAS, and stays far below one Adam step (1e-4).
TOLERANCE = 2e-6
CONFIGS = (
    TrainConfig(steps=30, device="cpu", engine="reference", report_every=10),
    # labels, wgan-gp's ε and its 5 critic steps per step: every sliced input of a batch
    TrainConfig(
        problem="cond-curves", loss="wgan-gp", n_critic=5, gp_weight=10.0, steps=6, device="cpu",
        engine="reference", batch_size=32, report_every=3,
    ),
)  # fmt: skip


def params(state) -> list[torch.Tensor]:  # type: ignore[no-untyped-def]
    return [p.detach().clone() for net in (state.G, state.D) for p in net.parameters()]


def _rank(rank: int, store: str, out: str) -> None:
    """One rank of the job: each config's run on the distributed engine; its weights saved."""
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    try:
        results = []
        for cfg in CONFIGS:
            state = new_state(cfg, torch.device("cpu"))
            state.world = World(rank, 2, rank)
            stats = DataParallelEngine(state, state.world).run(cfg.steps)
            results.append((params(state), stats))
        torch.save(results, f"{out}.{rank}")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_ranks_hold_the_same_weights_and_match_one_process(tmp_path: Path) -> None:
    out = tmp_path / "weights"
    mp.spawn(_rank, args=(str(tmp_path / "store"), str(out)), nprocs=2, join=True)
    rank0, rank1 = (torch.load(f"{out}.{r}", weights_only=True) for r in (0, 1))
    for cfg, (w0, stats0), (w1, stats1) in zip(CONFIGS, rank0, rank1, strict=True):
        state = new_state(cfg, torch.device("cpu"))
        alone = ReferenceEngine(state).run(cfg.steps)
        for a, b, c in zip(w0, w1, params(state), strict=True):
            assert torch.equal(a, b)  # the ranks never drift apart: same bits
            assert (a - c).abs().max().item() < TOLERANCE
        assert torch.equal(stats0, stats1)  # the stats of the whole batch, on every rank
        assert torch.allclose(stats0.float(), alone.float(), atol=1e-5)


def test_the_environment_names_the_job() -> None:
    assert world_from_env({}) is None  # a plain `toygan train`
    assert world_from_env({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0"}) is None
    job = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"}
    assert world_from_env(job) == World(3, 4, 1)
    two_machines = world_from_env({**job, "LOCAL_WORLD_SIZE": "2"})
    assert two_machines is not None and two_machines.per_machine == 2
    with pytest.raises(InputError, match="does not fit"):
        world_from_env({**job, "RANK": "4"})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 63}, "--batch-size 63 does not split into 2 equal shards"),
        ({"engine": "fast"}, "--engine fast: under torchrun"),
        ({"device": "cuda:1"}, "LOCAL_RANK"),
    ],
)
def test_a_job_refuses_what_it_cannot_train(options: dict, message: str) -> None:
    given = {"batch_size": 64, "engine": "auto", "device": "cpu", **options}
    with pytest.raises(InputError, match=re.escape(message)):
        check_job(World(0, 2, 0), **given)


def test_the_command_refuses_a_job_it_cannot_train_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("RANK", "0"), ("WORLD_SIZE", "2"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    runs = tmp_path / "runs"
    odd = toygan("train", "--batch-size", 63, "--device", "cpu", "--runs-dir", runs)
    assert odd.code == 2 and odd.err.count("\n") == 1
    assert "--batch-size 63 does not split into 2 equal shards" in odd.err
    detached = toygan("train", "--detach", "--device", "cpu", "--runs-dir", runs)
    assert detached.code == 2 and "--detach: not under torchrun" in detached.err
    assert not runs.exists()  # nothing was claimed or written


def test_a_hang_up_stops_a_job_as_sigterm_does() -> None:
    """torchrun passes SIGHUP on to its processes and kills them 30 s later: a job saves."""
    from toygan_tui.launch.torchrun import agreed
    from toygan_tui.ui.terminal.signals import StopRequest, stop_on_signals

    with stop_on_signals(lambda: None, hangup_stops=True) as stop:
        os.kill(os.getpid(), signal.SIGHUP)
        wait_for(stop, 5, "the hang-up to arrive")
    assert stop.name == "SIGHUP" and stop.exit_code == 129
    quiet = StopRequest()
    assert agreed(quiet)() is False  # outside a job (no process group): the request itself
    quiet.signum = signal.SIGTERM
    assert agreed(quiet)() is True


# -- the command under torchrun ------------------------------------------------------------


def torchrun(*args: object) -> list[str]:
    return [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "-m", "toygan_tui", "train", *map(str, args),
    ]  # fmt: skip


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=ROOT, env=toygan_env(), capture_output=True, text=True, timeout=240
    )


COMMON = ("--device", "cpu", "--no-live", "--report-every", "20", "--save-every", "20")


def weights(path: Path) -> list[torch.Tensor]:
    data = read_checkpoint(path)
    return [t for net in ("G", "D") for t in data[net].values()]


def assert_close(a: Path, b: Path) -> None:
    for x, y in zip(weights(a), weights(b), strict=True):
        assert (x - y).abs().max().item() < TOLERANCE


def train_alone(runs: Path, name: str, *args: object) -> None:
    """The 1-process run a job is compared with (in this process: no torchrun needed)."""
    result = toygan("train", "--runs-dir", runs, "--name", name, "--engine", "reference", *args)
    assert result.code == 0, result.err


@pytest.mark.slow  # two torchrun jobs (each two processes and the launcher loading torch)
def test_torchrun_trains_the_one_process_run_and_its_checkpoint_goes_on_plain_and_back(
    tmp_path: Path,
) -> None:
    """2 processes train the 1-process run (rank 0 alone speaks and writes); the job's
    checkpoint goes on as a plain run, then as a job again (the state is the same), and ends
    where one process alone ends, to the job's float rounding."""
    runs, job_dir = tmp_path / "runs", tmp_path / "runs" / "job"
    job = run(torchrun("--steps", 60, "--runs-dir", runs, "--name", "job", *COMMON))
    assert job.returncode == 0, job.stderr
    train_alone(runs, "alone", "--steps", 60, *COMMON)
    assert job.stdout.count("done at step 60/60") == 1  # rank 0's line, and no other rank's
    assert len(re.findall(r"^step \d+/60", job.stdout, re.M)) == 3
    assert "Traceback" not in job.stderr
    assert sorted(p.name for p in runs.iterdir()) == ["alone", "job", "last.pt"]
    assert_close(job_dir / "ckpt.pt", runs / "alone" / "ckpt.pt")
    config = read_checkpoint(job_dir / "ckpt.pt")["config"]
    assert config["engine"] == "auto" and config["batch_size"] == 64
    status = json.loads((job_dir / "status.json").read_text())
    assert status["engine"] == "reference ×2 gloo"  # the dashboard's header names it

    middle = toygan("train", "--resume", job_dir, "--steps", 80, "--engine", "reference",
                    "--no-live")  # fmt: skip
    assert middle.code == 0 and "done at step 80/80" in middle.out, middle.err
    last = run(torchrun("--resume", job_dir, "--steps", 100, "--no-live"))
    assert last.returncode == 0, last.stderr
    assert last.stdout.count("done at step 100/100") == 1
    more = toygan("train", "--resume", runs / "alone", "--steps", 100, "--no-live")
    assert more.code == 0, more.err
    assert_close(job_dir / "ckpt.pt", runs / "alone" / "ckpt.pt")
    assert [row["step"] for row in metrics_rows(job_dir)] == [20, 40, 60, 80, 100]


def _rank_pid(launcher: int, rank: int) -> int | None:
    """The pid of the torchrun worker with RANK=rank among the launcher's children."""
    for child in Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split():
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"RANK={rank}".encode() in environ:
            return int(child)
    return None


@pytest.mark.slow  # two torchrun launches (the job, its resume)
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the rank through /proc")
def test_sigterm_to_one_rank_stops_every_rank_at_one_step_and_resumes(tmp_path: Path) -> None:
    """SIGTERM to rank 1 alone: rank 0 hears of it at the next report's agreement, both stop
    at that step, rank 0 saves it; the job resumed under torchrun ends where a plain run does."""
    runs = tmp_path / "runs"
    argv = torchrun("--steps", 100_000, "--runs-dir", runs, "--name", "job", "--speed", 300,
                    "--device", "cpu", "--no-live", "--report-every", 20)  # fmt: skip
    launcher = subprocess.Popen(
        argv, cwd=ROOT, env=toygan_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        metrics = runs / "job" / "metrics.jsonl"
        deadline = time.monotonic() + 120
        while not (metrics.exists() and metrics.read_text().count("\n") >= 2):
            assert launcher.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        pid = _rank_pid(launcher.pid, 1)
        assert pid is not None
        os.kill(pid, signal.SIGTERM)
        _, err = launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    stopped = re.search(r"toygan: stopped by SIGTERM at step (\d+)/100000; checkpoint saved", err)
    assert stopped, err
    step = int(stopped.group(1))
    assert step % 20 == 0 and read_checkpoint(runs / "job" / "ckpt.pt")["step"] == step
    assert "toygan_tui/" not in err  # torchrun's own report of the 143s follows; none of ours
    assert f"torchrun --nproc-per-node 2 -m toygan_tui train --resume {runs / 'job'}" in err
    resumed = run(torchrun("--resume", runs / "job", "--steps", step + 20, "--speed", 1e9))
    assert resumed.returncode == 0, resumed.stderr
    assert f"done at step {step + 20}/{step + 20}" in resumed.stdout
    train_alone(runs, "alone", "--steps", step + 20, "--device", "cpu", "--no-live")
    assert_close(runs / "job" / "ckpt.pt", runs / "alone" / "ckpt.pt")


@pytest.mark.slow  # torchrun in a pseudo-terminal
def test_rank_0_draws_the_dashboard_in_a_terminal_and_ctrl_c_stops_the_job(
    tmp_path: Path,
) -> None:
    """Ctrl-C in a terminal reaches torchrun alone (its processes have their own sessions); it
    passes SIGINT on, and the job stops at one step, saved. No key bar: no keys in a job."""
    argv = torchrun("--steps", 1_000_000, "--runs-dir", "runs", "--device", "cpu", "--live",
                    "--report-every", 20, "--speed", 500, "--name", "job")  # fmt: skip
    env = toygan_env({"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    term = Terminal(argv, 100, 30, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"engine reference ×2 gloo", 120)
        term.wait_for(r"step [1-9][\d,]*/1,000,000", 60)
        assert re.search(r"in_bounds\s+\d\.\d{3}", term.text()), term.text()
        assert "space pause" not in term.text()
        term.child.kill(signal.SIGINT)
        code = term.exit_status(90)
    finally:
        term.close()
    output = term.output.decode(errors="replace")
    # torchrun itself got the Ctrl-C: it passes it on, waits for its processes (they exit 130
    # after the save below), then ends with its own SignalException: exit 1 (torch 2.4 to
    # 2.15). Not 0: the job did not finish; not a kill's -1.
    assert code == 1, output[-3000:]
    assert "SignalException" in output and "got signal: 2" in output
    stopped = re.search(r"stopped by Ctrl-C at step (\d+)/1000000; checkpoint saved", output)
    assert stopped, output
    assert read_checkpoint(tmp_path / "runs" / "job" / "ckpt.pt")["step"] == int(stopped[1])


@pytest.mark.slow  # the job, then the end of the job's processes
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the rank through /proc")
def test_a_job_that_loses_a_process_stops_with_one_line_and_exit_1(tmp_path: Path) -> None:
    """SIGKILL to rank 1 (as the OOM killer would): rank 0 says so in one line and exits 1,
    torchrun reports its failure, and the last checkpoint still loads."""
    runs = tmp_path / "runs"
    argv = torchrun("--steps", 100_000, "--runs-dir", runs, "--name", "job", "--speed", 300,
                    *COMMON)  # fmt: skip
    launcher = subprocess.Popen(
        argv, cwd=ROOT, env=toygan_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: (runs / "job" / "ckpt.pt").exists() or launcher.poll() is not None,
                 120, "the job's first checkpoint")  # fmt: skip
        pid = _rank_pid(launcher.pid, 1)
        assert pid is not None and launcher.poll() is None
        os.kill(pid, signal.SIGKILL)
        _, err = launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 1, err  # torchrun's ChildFailedError
    assert err.count("toygan: error: the torchrun job lost a process") == 1, err
    # torchrun's report: rank 0 exited 1 on its own, after rank 1's SIGKILL (the root cause).
    assert re.search(r"rank\s*: 0 \(local_rank: 0\)\n\s*exitcode\s*: 1 ", err), err[-2500:]
    assert re.search(r"rank\s*: 1 \(local_rank: 1\)\n\s*exitcode\s*: -9 ", err), err[-2500:]
    assert "toygan_tui/" not in err  # no traceback of ours; torchrun's own report follows
    assert read_checkpoint(runs / "job" / "ckpt.pt")["step"] % 20 == 0
