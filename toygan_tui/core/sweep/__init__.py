"""Sweeps: many runs trained together (the grid of options × seeds), one directory of files."""
