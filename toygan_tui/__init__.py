"""toygan: train toy GANs in the terminal and watch them learn."""

import os

__version__ = "0.1.0"

# torch's OpenMP workers (--threads above 1) spin between two parallel regions before they
# sleep: libgomp's 300 000 rounds by default. The batched engine's small ops come every few tens
# of microseconds, so a worker that sleeps at once (OMP_WAIT_POLICY=PASSIVE) made a K = 64 sweep
# on 2 threads 4-9x slower than 1 thread, while spinning that long was seen to crawl beside
# other busy processes (a 3 s sweep took 330 s). 10 000 rounds keep the first speed and bound
# the spin. Set either variable yourself to choose otherwise; libgomp reads them once, when
# torch is first imported.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
