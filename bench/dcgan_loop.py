"""The PyTorch DCGAN example's training loop (pytorch/examples, dcgan/main.py), written out as
bench/dcgan_compare runs it beside `toygan train --problem images` on the same folder.

Its nets (Generator/Discriminator, nz 100, ngf = ndf = 64, the example's weights_init), scaled
to the image side as toygan scales its own (the example is written for 64×64: at 32×32 the
block at 32 channels is left out, which is also what toygan does); BCELoss on D's sigmoid,
labels 1 and 0; Adam 2e-4, betas (0.5, 0.999); per step D on a real batch and on G's fakes
(detached), then G through D. Its data: the example's ImageFolder + DataLoader decodes every
image on every epoch; here the folder is decoded once into memory (toygan's cache holds the
same pixels) and each epoch is a shuffled pass, so the example is timed without its decoding
(which would only make it slower).

Prints one JSON line: {"steps_per_s": ...} over the timed steps (after --warmup steps).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

NZ, NGF, NDF, LR, BETA1 = 100, 64, 64, 2e-4, 0.5


def weights_init(m: nn.Module) -> None:
    """The example's: conv weights N(0, 0.02), BatchNorm N(1, 0.02) and bias 0."""
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def generator(side: int, nc: int = 3) -> nn.Sequential:
    k = int(math.log2(side)) - 2  # 4 at 64: ngf·8 at 4×4 … ngf at 32×32
    layers: list[nn.Module] = []
    n_in = NZ
    for i in range(k):
        n_out = NGF * 2 ** (k - 1 - i)
        stride, pad = (1, 0) if i == 0 else (2, 1)
        layers += [nn.ConvTranspose2d(n_in, n_out, 4, stride, pad, bias=False),
                   nn.BatchNorm2d(n_out), nn.ReLU(True)]  # fmt: skip
        n_in = n_out
    layers += [nn.ConvTranspose2d(n_in, nc, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def discriminator(side: int, nc: int = 3) -> nn.Sequential:
    k = int(math.log2(side)) - 2
    layers: list[nn.Module] = [nn.Conv2d(nc, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    n_in = NDF
    for _ in range(k - 1):
        layers += [nn.Conv2d(n_in, n_in * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(n_in * 2),
                   nn.LeakyReLU(0.2, True)]  # fmt: skip
        n_in *= 2
    layers += [nn.Conv2d(n_in, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    return nn.Sequential(*layers)


def load(folder: Path, side: int) -> torch.Tensor:
    """Every image of the folder: RGB, shorter side resized to `side`, centre crop, in [-1, 1]
    (the example's Resize, CenterCrop, ToTensor, Normalize)."""
    from PIL import Image

    images = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".png", ".jpg")):
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        w, h = rgb.size
        s = side / min(w, h)
        new = (max(side, round(w * s)), max(side, round(h * s)))
        rgb = rgb.resize(new, Image.Resampling.BILINEAR)
        left, top = (new[0] - side) // 2, (new[1] - side) // 2
        images.append(np.asarray(rgb.crop((left, top, left + side, top + side))))
    pixels = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return pixels / 127.5 - 1


def train(data: torch.Tensor, side: int, steps: int, warmup: int, batch: int,
          channels_last: bool) -> float:  # fmt: skip
    """Steps per second of the example's loop over `steps` steps after `warmup`."""
    torch.manual_seed(1)
    net_g, net_d = generator(side), discriminator(side)
    net_g.apply(weights_init)
    net_d.apply(weights_init)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net_g, net_d = net_g.to(memory_format=fmt), net_d.to(memory_format=fmt)
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=LR, betas=(BETA1, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=LR, betas=(BETA1, 0.999))
    order, at = torch.randperm(len(data)), 0
    started = cpu = 0.0
    for step in range(warmup + steps):
        if step == warmup:
            started, cpu = time.perf_counter(), time.process_time()
        if at + batch > len(order):  # a new epoch, reshuffled (the DataLoader's shuffle=True)
            order, at = torch.randperm(len(data)), 0
        real = data[order[at : at + batch]].contiguous(memory_format=fmt)
        at += batch
        # (1) D: maximize log(D(x)) + log(1 - D(G(z)))
        net_d.zero_grad()
        label = torch.full((len(real),), 1.0)
        err_real = criterion(net_d(real).view(-1), label)
        err_real.backward()
        noise = torch.randn(len(real), NZ, 1, 1)
        fake = net_g(noise)
        label.fill_(0.0)
        err_fake = criterion(net_d(fake.detach()).view(-1), label)
        err_fake.backward()
        opt_d.step()
        # (2) G: maximize log(D(G(z)))
        net_g.zero_grad()
        label.fill_(1.0)
        err_g = criterion(net_d(fake).view(-1), label)
        err_g.backward()
        opt_g.step()
    CPU_SECONDS.append((time.process_time() - cpu) / steps)
    return steps / (time.perf_counter() - started)


CPU_SECONDS: list[float] = []  # the process's CPU seconds a step (all threads), of each train()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", default="default", help="torch threads, or 'default'")
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    data = load(args.data, args.image_size)
    speed = train(data, args.image_size, args.steps, args.warmup, args.batch_size,
                  args.channels_last)  # fmt: skip
    print(json.dumps({"steps_per_s": speed, "threads": torch.get_num_threads(),
                      "cpu_s_per_step": CPU_SECONDS[-1]}))  # fmt: skip


if __name__ == "__main__":
    main()
