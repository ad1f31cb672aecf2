"""The default run really learns the artist's curves (slow: the full 10 000 steps on the CPU).

The bar is the tutorial's own result (in_bounds ≈ 0.89 after 10 000 steps at seed 1)
with a little room, plus a spread that matches U(1, 2): a collapsed G fails a_w1 even in bounds.
"""

from __future__ import annotations

import pytest

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.training.trainer import train


@pytest.mark.slow
def test_the_default_run_ends_in_bounds_with_the_real_spread() -> None:
    cfg = TrainConfig(device="cpu")  # the defaults of `toygan train --device cpu`
    assert (cfg.steps, cfg.seed, cfg.engine, cfg.n_eval) == (10_000, 1, "auto", 1000)
    last = list(train(cfg))[-1]
    assert last.step == 10_000
    assert last.quality["in_bounds"] >= 0.85
    assert last.quality["a_w1"] <= 0.06
    # D can no longer tell real from fake: the tutorial's "D accuracy" near 0.5.
    assert 0.4 <= last.stats["d_real"] <= 0.6
