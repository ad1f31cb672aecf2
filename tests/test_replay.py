"""`toygan replay`: the dashboard again from a run's files, in a real pseudo-terminal and as
plain lines, a recording (asciinema v2) and one frame (SVG); it never imports torch, writes
nothing into the run, follows a running run, and replays old runs and killed ones."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyte
import pytest
from clikit import imports_of, loaded_modules, modules_spy, toygan, toygan_start, wait_for
from snapshots import braille_cells
from watchkit import Terminal, fake_trainer, make_run

from toygan_tui.commands.replay import frame_at
from toygan_tui.core.runfiles.frames import FRAMES_FILE, MAGIC, encode, read_frames
from toygan_tui.core.runfiles.rundir import read_metrics
from toygan_tui.core.runfiles.tape import Tape

STEPS = list(range(50, 1050, 50))  # 20 reports of a finished 1 000-step run
STEP = re.compile(r"step ([\d,]+)/")


def finished_run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "runs", "done", STEPS, total=1000, end="finished")


def files_of(run: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in run.iterdir()}


def replay(*args: object):
    return toygan("replay", *args)


def shown_step(term: Terminal) -> int | None:
    term.settle()
    found = STEP.search(term.text())
    return int(found.group(1).replace(",", "")) if found else None


def replay_in_pty(run: Path, *extra: str) -> Terminal:
    argv = [sys.executable, "-m", "toygan_tui", "replay", str(run), *extra]
    return Terminal(argv, 100, 30)


@pytest.mark.slow
def test_the_keys_move_through_the_reports(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    term = replay_in_pty(run, "--step", "500")  # starts there, paused
    try:
        term.wait_for(r"replay 10/20")
        assert shown_step(term) == 500
        assert "←/→ report" in term.text()  # the key bar
        for key, step in (("\x1b[C", 550), ("\x1b[C", 600), ("\x1b[D", 550), ("\x1b[F", 1000),
                          ("\x1b[H", 50), ("\x1b[6~", 150), ("\x1b[5~", 50)):  # fmt: skip
            term.child.send(key)
            wait_for(lambda step=step: shown_step(term) == step, 30, f"step {step} after {key!r}")
        term.wait_for(r"⏸ paused")
        term.child.send("\x1b[F")
        term.wait_for(r"end \(finished\)")
        assert "replay 20/20" in term.text()
        term.child.send(" ")  # play again from the start: the step moves on by itself
        wait_for(lambda: (shown_step(term) or 0) > 150, 30, "playing to move the step")
        term.child.send("q")
        assert term.exit_status(30) == 0
    finally:
        term.close()


@pytest.mark.slow
def test_one_space_after_playing_to_the_end_plays_again_from_the_start(tmp_path: Path) -> None:
    term = replay_in_pty(finished_run(tmp_path), "--fps", "50")  # plays from the first report
    try:
        term.wait_for(r"end \(finished\)")  # played through to the last report by itself
        assert shown_step(term) == 1000
        term.child.send("-----")  # down to 1 report/s: the new play is slow enough to see
        term.child.send(" ")  # once
        wait_for(lambda: (shown_step(term) or 1000) < 1000, 30, "the replay to start again")
        assert "▶ 1 reports/s" in term.text()
        term.child.send("q")
        assert term.exit_status(30) == 0
    finally:
        term.close()


@pytest.mark.slow
def test_a_running_run_is_followed_at_its_end(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with fake_trainer(runs, "live"):
        wait_for(lambda: len(read_frames(runs / "live" / FRAMES_FILE)) >= 3, 30, "reports")
        term = replay_in_pty(runs / "live", "--fps", "1")
        try:
            # Sent to the end (End), it follows: each new report is shown as it comes (the
            # fake trainer writes 20 a second, 10 steps apart), where playing at 1 report a
            # second would take 50 s to move 500 steps. (Playing to the end is checked on a
            # finished run above; on a loaded machine it might not catch up with this one.)
            term.wait_for(r"replay \d+/\d+")
            term.child.send("\x1b[F")  # End
            term.wait_for(r"following \(running\)")
            first = shown_step(term) or 0
            wait_for(lambda: (shown_step(term) or 0) > first + 500, 20, "new reports followed")
            assert "following (running)" in term.text()
            term.child.send("q")
            assert term.exit_status(30) == 0
        finally:
            term.close()


def test_without_a_terminal_it_prints_the_plain_lines(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    before = files_of(run)
    result = replay(run)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [int(STEP.match(line).group(1)) for line in lines] == STEPS  # type: ignore[union-attr]
    assert "\x1b" not in result.out
    assert files_of(run) == before  # replay writes nothing into the run


def test_one_frame_as_svg_holds_the_step_asked_for(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    before = files_of(run)
    out = tmp_path / "frame.svg"
    result = replay(run, "--out", out, "--step", 320, "--width", 100, "--height", 30)
    assert result.code == 0, result.err
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(root.itertext()).replace("\xa0", " ").split())
    assert "step 300/1,000" in text  # the report at or before step 320
    assert "D(real)" in text and "replay 6/20" in text
    assert files_of(run) == before


def test_the_recording_is_asciinema_v2_and_plays_to_the_last_frame(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    out = tmp_path / "run.cast"
    result = replay(run, "--out", out, "--width", 90, "--height", 28, "--fps", 20)
    assert result.code == 0, result.err
    header, *events = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["version"] == 2 and (header["width"], header["height"]) == (90, 28)
    assert len(events) == len(STEPS) + 1  # one per report, and the cursor shown again
    times = [event[0] for event in events]
    assert times == sorted(times) and times[1] == pytest.approx(1 / 20)
    assert all(isinstance(t, float) and kind == "o" and isinstance(data, str)
               for t, kind, data in events)  # fmt: skip
    screen = pyte.Screen(90, 28)
    stream = pyte.Stream(screen)
    for _, _, data in events:  # played back, it ends on the last report, drawn whole
        stream.feed(data)
    shown = "\n".join(screen.display)
    assert "step 1,000/1,000" in shown and "replay 20/20" in shown
    assert screen.display[-1].rstrip().endswith("1")  # the curves chart's x axis, last line


def test_a_run_from_before_frames_replays_its_numbers_and_says_so(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    (run / FRAMES_FILE).unlink()
    assert replay(run).out.count("\n") == len(STEPS)
    out = tmp_path / "old.svg"
    assert replay(run, "--out", out, "--width", 160).code == 0
    text = " ".join("".join(ET.parse(out).getroot().itertext()).replace("\xa0", " ").split())
    assert "no frames stored" in text and "step 1,000/1,000" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fps", "0"], "--fps must be a positive number"),
        (["--width", "5", "--out", "x.svg"], "--width must be between 20 and 1000"),
        (["--out", "x.txt"], "give a .cast"),
        (["--step", "-1"], "--step must be 0 or more"),
        (["--out", "{tmp}/no/x.svg"], "cannot write {tmp}/no/x.svg: No such file or directory"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    run = finished_run(tmp_path)
    result = replay(run, *(arg.format(tmp=tmp_path) for arg in args))
    assert result.code == 2
    assert words.format(tmp=tmp_path) in result.err and len(result.err.strip().splitlines()) == 1


def test_a_missing_run_or_one_without_reports_is_exit_2(tmp_path: Path) -> None:
    assert "no such run" in replay("nope", "--runs-dir", tmp_path).err
    make_run(tmp_path / "runs", "empty", [], end="finished")
    result = replay("empty", "--runs-dir", tmp_path / "runs")
    assert result.code == 2 and "no reports yet" in result.err


@pytest.mark.slow
@pytest.mark.parametrize("how", ["plain", "pty", "svg", "cast"])
def test_replay_never_imports_torch(tmp_path: Path, how: str) -> None:
    run = finished_run(tmp_path)
    report = tmp_path / "modules.json"
    if how == "pty":  # the live dashboard, moved to the first report and left with q
        term = Terminal(modules_spy(report, "replay", run, "--step", 500), 100, 30)
        try:
            term.wait_for(r"replay 10/20")
            term.child.send("\x1b[H")  # Home
            term.wait_for(r"replay 1/20")
            term.child.send("q")
            assert term.exit_status() == 0
        finally:
            term.close()
        loaded = loaded_modules(report)
    else:
        out = {"plain": [], "svg": ["--out", tmp_path / "f.svg"],
               "cast": ["--out", tmp_path / "f.cast"]}[how]  # fmt: skip
        ran = imports_of("replay", run, *out)
        assert ran.result.code == 0, ran.result.err[-2000:]
        assert how == "plain" or (tmp_path / f"f.{how}").stat().st_size > 1000
        loaded = ran.modules
    assert "rich" in loaded and "torch" not in loaded


def test_a_damaged_frame_record_is_skipped_and_the_header_says_so(tmp_path: Path) -> None:
    run = finished_run(tmp_path)
    data = bytearray((run / FRAMES_FILE).read_bytes())
    data[data.index(MAGIC, 1) + 40] ^= 0xFF  # one flipped byte in the second record's body
    (run / FRAMES_FILE).write_bytes(bytes(data))
    result = replay(run)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == len(STEPS)
    assert all("note frames file damaged" in line for line in lines)
    term = replay_in_pty(run, "--step", "100")  # the report whose frame was damaged
    try:
        header = term.wait_for(r"toygan run done .*")[0]
        assert "replay 2/20" in header and "frames file damaged" in header
        term.child.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()


@pytest.mark.slow
def test_a_run_killed_mid_write_replays_without_its_torn_frame(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = ["train", "--runs-dir", runs, "--name", "k", "--no-live", "--device", "cpu"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    child = toygan_start(*args, "--steps", 10**7, "--speed", 2000, **quiet)
    try:
        wait_for(lambda: len(read_frames(runs / "k" / FRAMES_FILE)) >= 3, 120, "three frames")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    frames = runs / "k" / FRAMES_FILE
    kept = read_frames(frames)
    # A write cut short by the kill: one record's first half at the end of the file.
    last = kept[-1]
    with frames.open("ab") as handle:
        handle.write(encode(last.step + 50, dict(last.arrays))[:200])
    rows = read_metrics(runs / "k" / "metrics.jsonl")
    result = replay(runs / "k")
    assert result.code == 0, result.err
    assert result.out.count("\n") == len(rows)
    assert [f.step for f in read_frames(frames)] == [f.step for f in kept]
    out = tmp_path / "k.svg"
    assert replay(runs / "k", "--out", out, "--step", last.step).code == 0
    text = " ".join("".join(ET.parse(out).getroot().itertext()).replace("\xa0", " ").split())
    assert f"step {last.step:,}/10,000,000" in text
    assert braille_cells(text) > 100  # G's curves, from the last whole frame


def test_a_long_run_draws_its_history_from_a_thinned_tape_ending_at_the_report(
    tmp_path: Path,
) -> None:
    run = make_run(tmp_path / "runs", "long", list(range(10, 25_010, 10)), total=25_000,
                   status=False)  # fmt: skip
    tape = Tape(run)
    assert len(tape) == 2500 and tape.index_at(12_345) == 1233 and tape.index_at(3) == 0
    frame = frame_at(tape, 1233, {})
    assert frame.snapshot is not None and frame.snapshot.step == 12_340
    d_real = next(line for line in frame.d_history.lines if line.label == "D(real)")
    assert d_real.x[-1] == 12_340  # the history ends at the report shown...
    assert 600 <= len(d_real.x) <= 1000  # ...drawn from at most 1 000 of its 1 234 rows
