"""The training core: math, files and devices. Knows nothing of terminals or the command line."""
