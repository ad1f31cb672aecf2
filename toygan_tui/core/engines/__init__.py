"""How a training step is executed: the reference engine (autograd, core/engines/step.py: every
problem and loss) and the hand-written fast engines (numpy on a CPU, CUDA graphs on a GPU),
which take the reference's steps where they apply and say why not elsewhere (fast.py)."""
