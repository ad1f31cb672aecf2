"""`toygan sweep` end to end on the CPU: its members are the runs `train` makes, its files are
readable by every reader of runs (sample, plot, replay, runs), and bad input is one line."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
import torch
from clikit import sample_json, toygan, toygan_process

from toygan_tui.core.config import TrainConfig, resolve
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY
from toygan_tui.core.training.checkpoint import read_checkpoint

STEPS = 120
SHORT = ["--device", "cpu", "--no-live", "--steps", STEPS, "--report-every", 40, "--save-every", 60]
SWEEP = ["sweep", *SHORT]
# As tests/test_engines.py: parameters (and losses) within one Adam step (lr 1e-4) of each
# other; a measure over 1 000 curves may move by a curve or two when a value rounds the other way.
PARAM_ATOL = 1e-4
MEASURE_ATOL = 3e-3


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
    rows = [json.loads(line) for line in (swept / "metrics.jsonl").read_text().splitlines()]
    own = [r for r in rows if r[MEMBER_KEY] == member]
    train_rows = [
        json.loads(line) for line in (runs / "t" / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["step"] for r in own] == [r["step"] for r in train_rows] == [40, 80, 120]
    for a, b in zip(own, train_rows, strict=True):
        for key in ("d_loss", "g_loss"):
            assert a[key] == pytest.approx(b[key], abs=PARAM_ATOL)
        for key in ("in_bounds", "a_w1"):  # rounding may move a curve or two of 1 000
            assert a[key] == pytest.approx(b[key], abs=MEASURE_ATOL)


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
    rows = [json.loads(line) for line in (swept / "metrics.jsonl").read_text().splitlines()]
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
    rows = [
        json.loads(line) for line in (runs / "sweep-1" / "metrics.jsonl").read_text().splitlines()
    ]
    last = sorted(r["in_bounds"] for r in rows if r["step"] == STEPS and r[MEMBER_KEY] > 2)
    assert in_bounds["min"] == last[0] and in_bounds["max"] == last[1]
    assert in_bounds["median"] == pytest.approx(sum(last) / 2)
    assert in_bounds["n"] == 2 and 0 <= in_bounds["good"] <= 2


def test_sample_plot_and_replay_read_a_member(swept: Path) -> None:
    runs = ["--runs-dir", swept.parent]
    by_member = toygan("sample", "--ckpt", swept, "--member", 3, "--seed", 7, "--format", "json")
    assert by_member.code == 0, by_member.err
    assert by_member.out == sample_json(swept / "members" / "3" / "ckpt.pt")  # or its path
    plot = toygan("plot", "sweep-1", *runs, "--member", 3, "--metric", "in_bounds")
    assert plot.code == 0 and "member 3  (3 reports)" in plot.out, plot.err
    replay = toygan("replay", "sweep-1", *runs, "--member", 3)
    assert replay.code == 0, replay.err
    rows = [json.loads(line) for line in (swept / "metrics.jsonl").read_text().splitlines()]
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
    rows = [json.loads(line) for line in (swept / "metrics.jsonl").read_text().splitlines()]
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
    rows = [
        json.loads(line) for line in (runs / "sweep-1" / "metrics.jsonl").read_text().splitlines()
    ]
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
