"""toygan: train toy GANs in the terminal and watch them learn."""

import os

__version__ = "0.1.0"

# torch's OpenMP workers (--threads above 1) spin while they wait for work by default; when
# another process holds a core, a spinning worker and its partner take turns at a crawl
# (measured on 2 cores: a 3 s sweep took 330 s beside a `nice -n 19` busy loop, 5.6 s with the
# workers waiting passively). libgomp reads this once, when torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
