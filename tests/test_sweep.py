"""`toygan sweep` end to end on the CPU: its members are the runs `train` makes, its files are
readable by every reader of runs (sample, plot, replay, runs), and bad input is one line."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
import torch
from clikit import metrics_rows, sample_json, toygan, toygan_process

from toygan_tui.core.config import TrainConfig, resolve
from toygan_tui.core.engines.batched.batched import BatchedEngine
from toygan_tui.core.engines.factory import SerialGroup
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY
from toygan_tui.core.training.checkpoint import read_checkpoint

STEPS = 120
SHORT = ["--device", "cpu", "--no-live", "--steps", STEPS, "--report-every", 40, "--save-every", 60]
SWEEP = ["sweep", *SHORT]
# As tests/test_engines.py: parameters (and losses) within one Adam step (lr 1e-4) of each
# other; a measure over 1 000 curves may move by a curve or two when a value rounds the other way.
PARAM_ATOL = 1e-4
MEASURE_ATOL = 3e-3
# The curves' good levels as the README's table of measures states them: (level, higher is good).
GOOD_LEVELS = {
    "in_bounds": (0.85, True), "a_w1": (0.06, False), "shape_rmse": (0.05, False),
    "coverage": (0.9, True),
}  # fmt: skip


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One short sweep, read by the tests below: seeds 1-2 × loss minimax, ns (members 1-4)."""
    runs = tmp_path_factory.mktemp("swept") / "runs"
    result = toygan(*SWEEP, "--runs-dir", runs, "--seeds", "1-2", "--loss", "minimax,ns")
    assert result.code == 0, result.err
    assert "done at step 120/120: 4 members" in result.out
    return runs / "sweep-1"


@pytest.mark.parametrize(("member", "options"), [(2, ["--seed", 2]), (3, ["--loss", "ns"])])
def test_a_member_is_the_run_train_makes_with_its_options(
    swept: Path, tmp_path: Path, member: int, options: list[object]
) -> None:
    runs = tmp_path / "runs"
    assert toygan("train", *SHORT, "--runs-dir", runs, "--name", "t", *options).code == 0
    mine = read_checkpoint(swept / "members" / str(member) / "ckpt.pt")
    theirs = read_checkpoint(runs / "t" / "ckpt.pt")
    assert mine["step"] == theirs["step"] == STEPS
    assert mine["config"] == theirs["config"]  # same options, resolved alike
    for net in ("G", "D"):
        for key, value in theirs[net].items():
            torch.testing.assert_close(mine[net][key], value, rtol=0, atol=PARAM_ATOL)
    assert torch.equal(mine["rng"]["noise"], theirs["rng"]["noise"])  # same streams, as far
    rows = metrics_rows(swept)
    own = [r for r in rows if r[MEMBER_KEY] == member]
    train_rows = metrics_rows(runs / "t")
    assert [r["step"] for r in own] == [r["step"] for r in train_rows] == [40, 80, 120]
    for a, b in zip(own, train_rows, strict=True):
        for key in ("d_loss", "g_loss"):
            assert a[key] == pytest.approx(b[key], abs=PARAM_ATOL)
        for key in ("in_bounds", "a_w1"):  # rounding may move a curve or two of 1 000
            assert a[key] == pytest.approx(b[key], abs=MEASURE_ATOL)


def test_members_of_one_shape_step_together_in_the_batched_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeds 1-2 × two losses: two shapes, each a batched engine of two members through every
    step, and no member stepped on its own. (Were make_group to hand out the serial group, the
    members would still be their train runs to float rounding: only this test would notice.)"""
    steps_of: Counter[int] = Counter()  # batched engine (by id) → steps it took
    names: set[str] = set()
    batched_run = BatchedEngine.run

    def spy(engine: BatchedEngine, n: int) -> list[torch.Tensor]:
        steps_of[id(engine)] += n
        names.add(engine.name)
        return batched_run(engine, n)

    def serial(group: SerialGroup, n: int) -> list[torch.Tensor]:
        raise AssertionError(f"members stepped one by one: {group.name}")

    monkeypatch.setattr(BatchedEngine, "run", spy)
    monkeypatch.setattr(SerialGroup, "run", serial)
    runs = tmp_path / "runs"
    result = toygan(*SWEEP, "--runs-dir", runs, "--seeds", "1-2", "--loss", "minimax,ns")
    assert result.code == 0, result.err
    assert sorted(steps_of.values()) == [STEPS, STEPS] and names == {"batched (K=2)"}
    progress = [line for line in result.out.splitlines() if line.startswith("sweep-1  step")]
    assert progress and all(line.endswith("engine batched (K=2)") for line in progress)
    status = json.loads((runs / "sweep-1" / "status.json").read_text())
    assert status["engine"] == "batched (K=2)"


def assert_same_checkpoint(mine: Path, theirs: Path) -> None:
    """Two checkpoints of the same run, bit for bit: the same step, nets, Adam state, streams."""
    a, b = read_checkpoint(mine), read_checkpoint(theirs)
    assert a["step"] == b["step"] and a["config"] == b["config"]
    for key in ("G", "D", "opt_G", "opt_D", "rng"):
        assert repr(a[key]) == repr(b[key]), key


def untimed(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Metrics rows without their timing (and a sweep member's number)."""
    skip = ("steps_per_s", "time", MEMBER_KEY)
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


COND = ["--problem", "cond-curves"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("grid", "members", "engines"),
    [
        ([*COND, "--seeds", "1-2"], {1: [*COND, "--seed", 1], 2: [*COND, "--seed", 2]},
         "serial (fast)"),
        (["--seeds", "2", "--loss", "ns,wgan-gp"],
         {1: ["--loss", "ns", "--seed", 2], 2: ["--loss", "wgan-gp", "--seed", 2]},
         "fast, reference"),
    ],
    ids=["cond-curves", "wgan-gp-and-a-member-alone"],
)  # fmt: skip
def test_members_the_batched_engine_cannot_take_are_their_train_runs_bit_for_bit(
    tmp_path: Path, grid: list[object], members: dict[int, list[object]], engines: str
) -> None:
    """The conditional problem and wgan-gp (and a member alone in its group) take the engine
    `train` would, one member after another: each member is its train run, bit for bit, and
    the sweep's header names the engines."""
    runs, brief = tmp_path / "runs", ["--device", "cpu", "--no-live", "--steps", 40,
                                      "--report-every", 20, "--save-every", 20]  # fmt: skip
    result = toygan("sweep", *brief, "--runs-dir", runs, *grid)
    assert result.code == 0, result.err
    assert f"engine {engines}\n" in result.out
    for k, options in members.items():
        assert toygan("train", *brief, "--runs-dir", runs, "--name", f"t{k}", *options).code == 0
        assert_same_checkpoint(runs / "sweep-1" / "members" / str(k) / "ckpt.pt",
                               runs / f"t{k}" / "ckpt.pt")  # fmt: skip
        assert untimed(metrics_rows(runs / "sweep-1", member=k)) == untimed(
            metrics_rows(runs / f"t{k}")
        )  # every stat and measure of every report (the member's rows also name it)


@pytest.mark.slow
def test_a_sweep_of_a_2d_problem_batches_its_members_and_each_is_its_train_run(
    tmp_path: Path,
) -> None:
    runs, ring = tmp_path / "runs", ["--problem", "ring", "--hidden", 32]
    result = toygan(*SWEEP, "--runs-dir", runs, "--seeds", "1-2", *ring)
    assert result.code == 0, result.err
    assert "engine batched (K=2)" in result.out and " hq " in result.out
    assert toygan("train", *SHORT, "--runs-dir", runs, "--name", "t", "--seed", 2, *ring).code == 0
    mine = read_checkpoint(runs / "sweep-1" / "members" / "2" / "ckpt.pt")
    theirs = read_checkpoint(runs / "t" / "ckpt.pt")
    assert mine["config"] == theirs["config"] and theirs["config"]["problem"] == "ring"
    assert torch.equal(mine["rng"]["noise"], theirs["rng"]["noise"])
    for net in ("G", "D"):  # float rounding, a ReLU flip allowed (tests/test_batched.py)
        for key, value in theirs[net].items():
            torch.testing.assert_close(mine[net][key], value, rtol=0, atol=3 * PARAM_ATOL)
    own, alone = metrics_rows(runs / "sweep-1", member=2), metrics_rows(runs / "t")
    assert [r["step"] for r in own] == [r["step"] for r in alone] == [40, 80, 120]
    assert {"modes", "hq", "rkl", "js"} <= own[-1].keys()


def test_its_files_hold_the_grid_every_member_and_one_metrics_file(swept: Path) -> None:
    config = json.loads((swept / "config.json").read_text())
    assert config["kind"] == "sweep" and config["grid"]["seeds"] == [1, 2]
    assert config["grid"]["options"] == {"loss": ["minimax", "ns"]}
    assert config["sets"] == ["loss minimax", "loss ns"]
    members = config["members"]
    assert [(m["member"], m["set"], m["seed"]) for m in members] == [
        (1, 0, 1), (2, 0, 2), (3, 1, 1), (4, 1, 2),
    ]  # fmt: skip
    want = resolve({"loss": "ns", "seed": 2, "steps": STEPS, "device": "cpu", "report_every": 40,
                    "save_every": 60}, {"loss", "seed", "steps"})  # fmt: skip
    assert TrainConfig.from_dict(members[3]["config"]) == want
    rows = metrics_rows(swept)
    assert sorted((r[MEMBER_KEY], r["step"]) for r in rows) == [
        (k, s) for k in (1, 2, 3, 4) for s in (40, 80, 120)
    ]
    status = json.loads((swept / "status.json").read_text())
    assert (status["state"], status["step"], status["total"]) == ("finished", STEPS, STEPS)
    assert len(status["sweep"]["members"]) == 4
    for k in (1, 2, 3, 4):
        assert read_checkpoint(swept / "members" / str(k) / "ckpt.pt")["step"] == STEPS
        assert (swept / "members" / str(k) / "frames").stat().st_size > 0


def test_the_table_at_the_end_and_as_json(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = [*SWEEP, "--runs-dir", runs, "--seeds", "1,3", "--lr-g", "1e-4,2e-4", "--format", "json"]
    result = toygan(*args)
    assert result.code == 0, result.err
    table = json.loads(result.out)  # stdout holds the JSON alone; progress went to stderr
    assert [t["set"] for t in table] == ["lr_g 0.0001", "lr_g 0.0002"]
    assert table[0]["seeds"] == [1, 3]
    in_bounds = table[1]["measures"]["in_bounds"]
    rows = metrics_rows(runs / "sweep-1")
    last = [r for r in rows if r["step"] == STEPS and r[MEMBER_KEY] > 2]
    values = sorted(r["in_bounds"] for r in last)
    assert in_bounds["min"] == values[0] and in_bounds["max"] == values[1]
    assert in_bounds["median"] == pytest.approx(sum(values) / 2)
    assert in_bounds["n"] == 2
    for name, (level, higher) in GOOD_LEVELS.items():  # counted against the README's levels
        measure = table[1]["measures"][name]
        good = [r[name] >= level if higher else r[name] <= level for r in last]
        assert (measure["good"], measure["good_level"]) == (sum(good), level), name


def test_sample_plot_and_replay_read_a_member(swept: Path) -> None:
    runs = ["--runs-dir", swept.parent]
    by_member = toygan("sample", "--ckpt", swept, "--member", 3, "--seed", 7, "--format", "json")
    assert by_member.code == 0, by_member.err
    assert by_member.out == sample_json(swept / "members" / "3" / "ckpt.pt")  # or its path
    plot = toygan("plot", "sweep-1", *runs, "--member", 3, "--metric", "in_bounds")
    assert plot.code == 0 and "member 3  (3 reports)" in plot.out, plot.err
    replay = toygan("replay", "sweep-1", *runs, "--member", 3)
    assert replay.code == 0, replay.err
    rows = metrics_rows(swept)
    wanted = [f"in_bounds {r['in_bounds']:.3f}" for r in rows if r[MEMBER_KEY] == 3]
    lines = replay.out.splitlines()
    assert len(lines) == 3 and all(w in line for w, line in zip(wanted, lines, strict=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--ckpt", "{sweep}"], "is a sweep: choose a member with --member K"),
        (["sample", "--ckpt", "{sweep}", "--member", 5], "--member 5: sweep sweep-1 has members 1"),
        (["plot", "{sweep}"], "is a sweep: choose a member"),
        (["replay", "{sweep}", "--member", 0], "has members 1 to 4"),
    ],
)  # fmt: skip
def test_a_sweep_without_a_good_member_is_one_line(
    swept: Path, args: list[object], message: str
) -> None:
    result = toygan(*(str(a).replace("{sweep}", str(swept)) for a in args))
    assert result.code == 2 and message in result.err
    assert result.err.count("\n") == 1


def test_runs_lists_sweeps_with_their_progress_beside_runs(swept: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert toygan("train", *SHORT, "--runs-dir", runs, "--name", "plain").code == 0
    assert toygan(*SWEEP, "--runs-dir", runs, "--seeds", "1").code == 0
    listed = json.loads(toygan("runs", "--runs-dir", runs, "--format", "json").out)
    by_id = {row["id"]: row for row in listed}
    assert set(by_id) == {"plain", "sweep-1"}
    assert (by_id["sweep-1"]["status"], by_id["sweep-1"]["step"]) == ("finished", STEPS)
    assert by_id["plain"]["in_bounds"] is not None  # old runs are listed as ever
    table = toygan("runs", "--runs-dir", runs).out
    assert "sweep-1" in table and "120/120" in table


def test_runs_shows_a_sweeps_medians_over_its_members(swept: Path) -> None:
    rows = metrics_rows(swept)
    last = [row for row in rows if row["step"] == STEPS]
    assert len(last) == 4  # one row per member at the last report
    listed = json.loads(toygan("runs", "--runs-dir", swept.parent, "--format", "json").out)
    (row,) = listed
    for name in ("in_bounds", "a_w1"):
        assert row[name] == pytest.approx(statistics.median(r[name] for r in last))
    sweep_line = next(
        line
        for line in toygan("runs", "--runs-dir", swept.parent).out.splitlines()
        if line.startswith("sweep-1")
    )
    assert f"a_w1 {statistics.median(r['a_w1'] for r in last):.3f}" in sweep_line


BAD = [
    (["--seeds", "5-1"], "--seeds: the range 5-1 is empty"),
    (["--seeds", "x"], "--seeds: 'x' is not a seed"),
    (["--seeds", ""], "--seeds: '' is not a seed"),
    (["--seeds", "1,1"], "a seed is given twice"),
    (["--seeds", "1-100000"], "more than 10000 seeds"),
    (["--seeds", "1-5000", "--lr-g", "1e-4,2e-4,3e-4"], "the sweep has 15000 members"),
    (["--loss", "ns,"], "--loss 'ns,': an empty value"),
    (["--loss", "ns,bogus"], "--loss must be one of"),
    (["--lr-g", "1e-4,x"], "Invalid value for '--lr-g'"),
    (["--lr-d", "-1"], "--lr-d must be a positive finite number"),
    (["--report-every", "0"], "--report-every must be positive"),
    (["--threads", "1,2"], "--threads takes one value in a sweep"),
    (["--bogus", "1"], "no such option: --bogus"),
    (["--seed", "1"], "no such option: --seed"),
    (["--format", "yaml"], "--format must be one of table, json"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = toygan("sweep", "--runs-dir", tmp_path / "runs", "--device", "cpu", *args)
    assert (result.code, result.out) == (2, ""), result
    assert result.err.startswith("toygan: error: ") and message in result.err, result.err
    assert result.err.count("\n") == 1
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_bad_input_in_a_fresh_process_has_no_traceback(tmp_path: Path) -> None:
    result = toygan_process("sweep", "--seeds", "3-1", "--runs-dir", tmp_path)
    assert result.code == 2
    assert result.err == "toygan: error: --seeds: the range 3-1 is empty (write 1-3)\n"


def test_recipes_and_ema_are_grid_options_and_an_ema_member_is_judged_by_its_ema(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    grid = ["--seeds", "1", "--recipe", "tutorial,tuned", "--ema", "0,0.99", "--format", "json"]
    result = toygan(*SWEEP, "--runs-dir", runs, *grid)
    assert result.code == 0, result.err
    table = json.loads(result.out)
    assert [t["set"] for t in table] == [
        "recipe tutorial  ema 0", "recipe tutorial  ema 0.99", "recipe tuned  ema 0",
        "recipe tuned  ema 0.99",
    ]  # fmt: skip
    train = ("train", *SHORT, "--runs-dir", runs, "--name", "t", "--recipe", "tuned", "--ema", 0.99)
    assert toygan(*train).code == 0
    mine = read_checkpoint(runs / "sweep-1" / "members" / "4" / "ckpt.pt")
    theirs = read_checkpoint(runs / "t" / "ckpt.pt")
    assert mine["config"] == theirs["config"] and theirs["config"]["loss"] == "ns"
    for net in ("G", "D", "G_ema"):
        for key, value in theirs[net].items():
            torch.testing.assert_close(mine[net][key], value, rtol=0, atol=4 * PARAM_ATOL)
    rows = metrics_rows(runs / "sweep-1")
    last = next(r for r in rows if r[MEMBER_KEY] == 4 and r["step"] == STEPS)
    assert table[3]["measures"]["in_bounds"]["median"] == last["ema_in_bounds"]


def test_a_diverged_member_is_frozen_at_its_last_good_checkpoint_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    result = toygan(*SWEEP, "--runs-dir", runs, "--seeds", "1", "--lr-g", "1e-4,1e15",
                    "--lr-d", "1e15")  # fmt: skip
    assert result.code == 0, result.err
    assert "member 2 (lr_g 1e+15, seed 1) diverged at step" in result.err
    sweep = runs / "sweep-1"
    saved = json.loads((sweep / "saved.json").read_text())
    assert saved["step"] == STEPS and "2" in saved["diverged"]
    frozen = read_checkpoint(sweep / "members" / "2" / "ckpt.pt")
    assert frozen["step"] < STEPS  # never written over with the non-finite state
    assert all(bool(t.isfinite().all()) for t in frozen["G"].values())
    assert read_checkpoint(sweep / "members" / "1" / "ckpt.pt")["step"] == STEPS
    assert "lr_g 1e+15 " in result.out and "nan 0/1" in result.out
