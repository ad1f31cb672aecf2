"""How training steps are executed, behind one door: import from here.

- contract.py: what every engine meets (`Engine`, `GroupEngine`), what it may read of a run
  (`RunState`), and `NotApplicable` (an engine that cannot take a run says why, in one line).
- factory.py: `make_engine` (one run) and `make_groups` (many runs stepped together).
- The backends, each in a folder named for what it is:
  autograd/ the reference: the tutorial's step with autograd, every problem and loss (the spec);
  numpy_cpu/ the step written by hand in numpy (MLPs, a CPU);
  cuda_graph/ the same hand-written step as CUDA graphs (MLPs, a GPU);
  batched/ many runs' MLP steps as one batched step (sweeps);
  data_parallel/ the reference step over the processes of a torchrun job.
- Shared by the backends: flat.py (one flat buffer of parameters, gradients and Adam moments),
  adam.py (Adam's state in torch.optim.Adam's layout), ema.py (the EMA of G's weights).

Engines never import the training package: they see a run through RunState.
"""

from toygan_tui.core.engines.contract import Engine, GroupEngine, NotApplicable, RunState
from toygan_tui.core.engines.factory import make_engine, make_group, make_groups

__all__ = [
    "Engine", "GroupEngine", "NotApplicable", "RunState", "make_engine", "make_group",
    "make_groups",
]  # fmt: skip
