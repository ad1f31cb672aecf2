"""A run's training: its state (nets, optimizers, streams), the one loop that trains members
together (trainer.py; a run is a trainer of one), where their files go (layouts.py), the
evaluation behind each report, checkpoints, resume, and sampling from a checkpoint."""
