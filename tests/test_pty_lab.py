"""GAN Lab's keys in a real pseudo-terminal: on `train`'s dashboard `m` and `a` draw G's
manifold and the arrows, `d` moves D alone and `g` G alone, `[` and `}` change the learning
rates shown in the header, and the run that had all this resumes bit for bit; `watch` and
`replay` toggle the same drawings, and replay shows what the keys changed."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from clikit import toygan
from labkit import plan_of, trained
from snapshots import make_snapshot
from test_resume import assert_same_state
from watchkit import Terminal, wait_for

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runfiles.events import Event, append_event, read_events
from toygan_tui.core.runfiles.frames import append_frame, view_arrays
from toygan_tui.core.runfiles.rundir import RunDir, append_metrics, write_config
from toygan_tui.core.runfiles.status import StatusWriter

pytestmark = pytest.mark.slow  # every test: a pseudo-terminal, or a fresh interpreter

TRAIN = [sys.executable, "-m", "toygan_tui", "train", "--problem", "ring", "--live"]


def status(run: Path) -> dict[str, Any]:
    return json.loads((run / "status.json").read_text())


def changed(term: Terminal, run: Path, before: dict[str, Any]) -> dict[str, Any]:
    """status.json once it holds something new (the look after a key), read again. The screen
    is read meanwhile: a program whose terminal is not read stops at its next frame."""
    wait_for(lambda: (term.pump(), status(run)["metrics"] != before["metrics"])[1], 30, "a look")
    return status(run)


def test_the_lab_keys_on_a_training_run_and_the_run_resumes_bit_for_bit(tmp_path: Path) -> None:
    runs, run = tmp_path / "runs", tmp_path / "runs" / "lab"
    argv = [*TRAIN, "--steps", "1000000", "--runs-dir", str(runs), "--name", "lab"]
    term = Terminal([*argv, "--speed", "300", "--report-every", "50"], 120, 40)
    try:
        term.wait_for(r"d/g update  \[\]\{\} lr D G  m manifold  a arrows")
        term.child.send(" ")
        term.wait_for(r"status PAUSED")
        wait_for(lambda: status(run)["state"] == "paused", 30, "status.json to say paused")
        plain = term.text()
        # m and a: the drawings come and go on the screen (view state: nothing is written).
        term.child.send("m")
        term.wait_for(r"⠉⠒ G's manifold")
        with_manifold = term.text()
        term.child.send("a")
        term.wait_for(r"↗ −∇ G's loss \(longest [\d.e-]+\)")
        term.child.send("ma")
        wait_for(lambda: "G's manifold" not in (term.settle(), term.text())[1], 30, "m again")
        assert plain != with_manifold and "∇" not in term.text()
        # d: one update of D alone, shown at once: D's say moves, G's samples do not.
        before = status(run)
        term.child.send("d")
        after_d = changed(term, run, before)
        assert after_d["step"] == before["step"] and after_d["curves"] == before["curves"]
        assert after_d["heat"] != before["heat"]
        # g: one update of G alone: its samples move, D's say does not.
        term.child.send("g")
        after_g = changed(term, run, after_d)
        assert after_g["curves"] != after_d["curves"] and after_g["heat"] == after_d["heat"]
        # [ and }: D's rate halved, G's doubled, in the header and status.json.
        term.child.send("[}")
        term.wait_for(r"lr D 5e-5 G 2e-4")
        assert status(run)["lr"] == {"G": 2e-4, "D": 5e-5}
        term.child.send(" ")  # going again, under the new rates, then stopped
        wait_for(lambda: (term.pump(), status(run)["step"] >= before["step"] + 100)[1], 60,
                 "two more reports")  # fmt: skip
        term.child.send("q")
        assert term.exit_status(60) == 130
    finally:
        term.close()
    events = read_events(run)
    assert [(e.action, e.player) for e in events] == [
        ("update", "D"), ("update", "G"), ("lr", "D"), ("lr", "G"),
    ]  # fmt: skip
    assert {e.step for e in events} == {before["step"]}
    # Resumed to 200 steps past the stop; the same run straight through, its keys pressed at
    # the steps the events say, ends in the same checkpoint, bit for bit.
    stopped = json.loads((run / "status.json").read_text())["step"]
    total = stopped + 200
    done = toygan("train", "--resume", run, "--steps", total, "--no-live")
    assert done.code == 0, done.err
    config = json.loads((run / "config.json").read_text())
    config = {k: v for k, v in config.items() if k not in ("run_id", "device")}
    cfg = TrainConfig.from_dict({**config, "steps": total})
    trained(cfg, runs, "straight", plan_of(events, cfg))
    assert_same_state(run / "ckpt.pt", runs / "straight" / "ckpt.pt", "run_id", "elapsed")


def lab_run(runs: Path, running: bool) -> Path:
    """A ring run as a trainer leaves it, with G's manifold and arrows in every report, and a
    D update and D's rate halved after the report of step 100; torch-free."""
    rng = np.random.default_rng(1)
    run = RunDir(runs / "lab")
    run.path.mkdir(parents=True)
    cfg = TrainConfig(problem="ring", steps=1000, device="cpu")
    write_config(run, cfg.to_dict(), {"run_id": "lab", "device": "cpu"})
    writer = StatusWriter(run.path, "lab", 1000, 0, "cpu")
    for step in (50, 100, 150, 200):
        grid = np.stack(np.meshgrid(np.linspace(-2, 2, 20), np.linspace(-2, 2, 20)), axis=-1)
        snap = make_snapshot(
            step=step, total=1000, run_id="lab", problem="ring", x=np.empty(0),
            samples=rng.normal(size=(200, 2)), heat=rng.random((40, 40)),
            quality={"modes": 3, "hq": 0.5, "rkl": 0.4, "js": 0.3},
            manifold=grid + 0.1 * rng.normal(size=grid.shape), arrows=rng.normal(size=(40, 2)),
            lr={"G": 1e-4, "D": 1e-4 if step <= 100 else 5e-5},
        )  # fmt: skip
        append_metrics(run.metrics, snap)
        append_frame(run.path, step, view_arrays(snap))
        writer.written_at = float("-inf")
        writer.report(snap)
    append_event(run.path, Event(100, "update", "D", 1e-4))
    append_event(run.path, Event(100, "lr", "D", 5e-5))
    if not running:
        writer.end(200)
    return run.path


def toggles(term: Terminal) -> None:
    """m and a draw and take away G's manifold and the arrows."""
    term.child.send("m")
    term.wait_for(r"G's manifold")
    term.child.send("a")
    term.wait_for(r"−∇ G's loss")
    term.child.send("m")
    wait_for(lambda: "G's manifold" not in (term.settle(), term.text())[1], 30, "m again")


def test_watch_and_replay_toggle_the_drawings_and_replay_shows_the_keys(tmp_path: Path) -> None:
    run = lab_run(tmp_path, running=True)  # this process' pid: alive, so watch follows it
    term = Terminal([sys.executable, "-m", "toygan_tui", "watch", str(run)], 110, 36)
    try:
        term.wait_for(r"m manifold  a arrows  q quit")
        assert "lr D 5e-5 G 1e-4" in term.text()  # the rates in force, from status.json
        toggles(term)
        term.child.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
    StatusWriter(run, "lab", 1000, 200, "cpu").end(200)
    argv = [sys.executable, "-m", "toygan_tui", "replay", str(run), "--step", "150"]
    term = Terminal(argv, 110, 36)
    try:
        term.wait_for(r"keys D update, lr D 5e-5")  # the first report after them says so
        term.wait_for(r"m manifold  a arrows")  # the frame drawn to its key bar (not mid-draw)
        assert "lr D 5e-5 G 1e-4" in term.text()
        toggles(term)
        term.child.send("\x1b[D")  # the report before the keys: their rates before them
        term.wait_for(r"lr D 1e-4 G 1e-4")
        assert "keys" not in term.text().splitlines()[0]
        term.child.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
    out = tmp_path / "lab.svg"
    done = toygan("replay", run, "--out", out, "--step", 150, "--manifold", "--arrows",
                  "--width", 160, "--height", 40)  # fmt: skip
    assert done.code == 0, done.err
    text = " ".join("".join(ET.parse(out).getroot().itertext()).replace("\xa0", " ").split())
    assert "G's manifold" in text and "−∇ G's loss" in text and "keys D update" in text
    assert sum(text.count(h) for h in "→↗↑↖←↙↓↘") >= 10  # the arrows' heads
