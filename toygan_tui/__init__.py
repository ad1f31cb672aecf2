"""toygan: train toy GANs in the terminal and watch them learn."""

__version__ = "0.1.0"
