"""Starting a training, for `train` and `sweep` alike (a run is a sweep of one): its first frame
before torch loads (start.py), the one foreground path with its keys, signals and exit codes
(foreground.py), the background child (detach.py), and a torchrun job's followers (torchrun.py)."""
