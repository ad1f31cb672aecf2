"""What a frame of the lab's drawings needs, computed at report time and stored: G's manifold
(G on a fixed 20 × 20 grid of noise) and the arrows (−∇ of G's loss at a few shown samples),
in the frames file and status.json, and older files without them read as before."""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest
import torch
from snapshots import make_snapshot

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.losses import torch_ops
from toygan_tui.core.runfiles.frames import append_frame, read_frames, view_arrays, view_fields
from toygan_tui.core.runfiles.status import snapshot_fields, snapshot_from_status
from toygan_tui.core.training.evaluator import ARROWS, Evaluator, noise_grid
from toygan_tui.core.training.state import new_state

CPU = torch.device("cpu")


def evaluated(problem: str, loss: str = "minimax", pack: int = 1):  # type: ignore[no-untyped-def]
    cfg = TrainConfig(device="cpu", problem=problem, loss=loss, n_eval=200, n_show=64, pack=pack)
    state = new_state(cfg, CPU)
    evaluator = Evaluator(cfg, CPU)
    return state, evaluator, evaluator.evaluate(evaluator.players(state))


def test_the_noise_grid_spans_equal_shares_of_the_noise() -> None:
    grid = noise_grid(2).numpy()
    q = [NormalDist().inv_cdf((i + 0.5) / 20) for i in range(20)]
    assert grid.shape == (20, 20, 2)
    np.testing.assert_allclose(grid[0, :, 0], q, atol=1e-6)  # x along a row
    np.testing.assert_allclose(grid[:, 0, 1], q, atol=1e-6)  # y down the rows
    wider = noise_grid(5).numpy()  # more noise dimensions: the first two span, the rest 0
    assert wider.shape == (20, 20, 5) and not wider[:, :, 2:].any()
    assert noise_grid(1).shape == (1, 20, 1)  # one noise dimension: a single curve


def test_a_2d_report_holds_g_on_the_grid() -> None:
    state, evaluator, evaluation = evaluated("ring")
    assert evaluation.manifold is not None and evaluation.manifold.shape == (20, 20, 2)
    with torch.no_grad():
        corner = state.G(noise_grid(2)[19, 0][None]).double().numpy()[0]
    np.testing.assert_allclose(evaluation.manifold[19, 0], corner, atol=1e-6)
    assert evaluated("curves")[2].manifold is None  # G's curves live in 15 dimensions


# wgan-gp has no dL/dlogit of its own: autograd on its formula, over the few logits.
KINDS = [
    ("ring", "minimax"),
    ("ring", "ns"),
    ("curves", "minimax"),
    ("cond-curves", "lsgan"),
    ("two", "wgan-gp"),
]
PACKED = [("ring", "ns", 2), ("curves", "minimax", 4)]  # D judges a sample as K copies of it


@pytest.mark.parametrize(("problem", "loss", "pack"), [(*kind, 1) for kind in KINDS] + PACKED)
def test_an_arrow_points_where_g_s_loss_falls(problem: str, loss: str, pack: int) -> None:
    state, evaluator, evaluation = evaluated(problem, loss, pack)
    arrows, shown = evaluation.arrows, evaluation.shown
    k = ARROWS[state.problem.view]
    assert arrows is not None and arrows.shape == (k, *shown.shape[1:])
    labels = None if evaluator.column is None else evaluator.column[:k]

    def g_loss(samples: np.ndarray) -> float:  # G's loss summed over the k samples
        x = torch.from_numpy(samples).float()
        inputs = x if labels is None else torch.cat([x, labels], dim=1)
        inputs = inputs.repeat(1, pack)  # a packed D's input: K copies side by side
        with torch.no_grad():
            return float(state.loss.g_loss(state.D(inputs)[:, 0], torch_ops()) * k)

    step = 1e-3 / np.abs(arrows).max()
    assert g_loss(shown[:k] + step * arrows) < g_loss(shown[:k])  # downhill along the arrows
    assert g_loss(shown[:k] - step * arrows) > g_loss(shown[:k])


def test_the_frames_and_status_json_keep_the_drawings_and_older_ones_read_without(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 2))
    snap = make_snapshot(problem="ring", samples=points, x=np.empty(0), heat=rng.random((4, 4)),
                         manifold=rng.normal(size=(20, 20, 2)), arrows=rng.normal(size=(8, 2)),
                         lr={"G": 2e-4, "D": 5e-5})  # fmt: skip
    append_frame(tmp_path, snap.step, view_arrays(snap))
    fields = view_fields(read_frames(tmp_path / "frames")[0])
    assert fields is not None
    np.testing.assert_allclose(fields["manifold"], snap.manifold, rtol=1e-6)  # float32
    np.testing.assert_allclose(fields["arrows"], snap.arrows, rtol=1e-6)
    back = snapshot_from_status({**snapshot_fields(snap), "total": 10_000})
    assert back is not None and back.lr == {"G": 2e-4, "D": 5e-5}
    np.testing.assert_allclose(back.manifold, snap.manifold)  # type: ignore[arg-type]
    np.testing.assert_allclose(back.arrows, snap.arrows)  # type: ignore[arg-type]
    # A frame or status from before the drawings: none, and the rest as before.
    older = {k: v for k, v in view_arrays(snap).items() if k not in ("manifold", "arrows")}
    append_frame(tmp_path, snap.step + 50, older)
    fields = view_fields(read_frames(tmp_path / "frames")[1])
    assert fields is not None and "manifold" not in fields and "arrows" not in fields
    status = {
        k: v for k, v in snapshot_fields(snap).items() if k not in ("manifold", "arrows", "lr")
    }
    back = snapshot_from_status({**status, "total": 10_000})
    assert back is not None and back.manifold is None and back.arrows is None and back.lr == {}
    # Arrows that do not fit the samples (another width) are left out, not drawn wrong.
    wrong = view_arrays(snap) | {"arrows": rng.normal(size=(8, 3))}
    append_frame(tmp_path, snap.step + 100, wrong)
    assert "arrows" not in (view_fields(read_frames(tmp_path / "frames")[2]) or {})
