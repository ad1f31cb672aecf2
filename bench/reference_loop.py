"""The plain loop a learner writes from the tutorial: nn.Sequential with a Sigmoid, autograd,
torch.optim.Adam, numpy real curves each step. bench/speed times toygan against it.

Prints one JSON line: {"steps_per_s": ...} over the whole loop (first step to last).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from torch import nn

N_IDEAS, ART_COMPONENTS, BATCH_SIZE, LR_G, LR_D = 5, 15, 64, 1e-4, 1e-4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", default="default", help="torch threads, or 'default'")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    print(json.dumps({"steps_per_s": train(args.steps, torch.device(args.device), args.seed)}))


def train(steps: int, device: torch.device, seed: int) -> float:
    """Steps per second of the loop, timed from its first step to its last."""
    *_, seconds = tutorial_loop(steps, device, seed)
    return steps / seconds


def tutorial_loop(
    steps: int, device: torch.device, seed: int
) -> tuple[nn.Sequential, nn.Sequential, dict[str, float], float]:
    """The loop as published: G, D, the last step's losses and mean D outputs, and the seconds
    its steps took. It seeds torch's and numpy's global RNGs, as the tutorial does.

    tests/test_train.py also runs it, as the spec toygan's reference engine must reproduce.
    """
    torch.manual_seed(seed)
    np.random.seed(seed)
    paint_points = np.vstack([np.linspace(-1, 1, ART_COMPONENTS) for _ in range(BATCH_SIZE)])

    def artist_works() -> torch.Tensor:
        a = np.random.uniform(1, 2, size=BATCH_SIZE)[:, np.newaxis]
        paintings = a * np.power(paint_points, 2) + (a - 1)
        return torch.from_numpy(paintings).float().to(device)

    G = nn.Sequential(nn.Linear(N_IDEAS, 128), nn.ReLU(), nn.Linear(128, ART_COMPONENTS))
    D = nn.Sequential(nn.Linear(ART_COMPONENTS, 128), nn.ReLU(), nn.Linear(128, 1), nn.Sigmoid())
    G, D = G.to(device), D.to(device)
    opt_D = torch.optim.Adam(D.parameters(), lr=LR_D)
    opt_G = torch.optim.Adam(G.parameters(), lr=LR_G)

    started = time.perf_counter()
    for _ in range(steps):
        artist_paintings = artist_works()
        G_ideas = torch.randn(BATCH_SIZE, N_IDEAS, device=device)
        G_paintings = G(G_ideas)
        prob_artist1 = D(G_paintings)
        G_loss = torch.mean(torch.log(1.0 - prob_artist1))
        opt_G.zero_grad()
        G_loss.backward()
        opt_G.step()

        prob_artist0 = D(artist_paintings)
        prob_artist1 = D(G_paintings.detach())
        D_loss = -torch.mean(torch.log(prob_artist0) + torch.log(1.0 - prob_artist1))
        opt_D.zero_grad()
        D_loss.backward()
        opt_D.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    last = {
        "d_loss": D_loss.item(),
        "g_loss": G_loss.item(),
        "d_real": prob_artist0.mean().item(),
        "d_fake": prob_artist1.mean().item(),
    }
    return G, D, last, seconds


if __name__ == "__main__":
    main()
