"""A run's training: its config (problem, loss, knobs), its state (nets, optimizers, streams),
the loop that yields Snapshots, the evaluation behind each report, checkpoints, resume, the
Session that ties them to a run directory, and sampling from a checkpoint."""
