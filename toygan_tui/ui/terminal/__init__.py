"""What talks to the terminal itself: keys, signals, a dead terminal, the controls the keys
drive, the replay player and the watch loop."""
