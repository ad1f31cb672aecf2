"""The terminal front end: Rich and plotext. Knows nothing of torch or typer; draws reports
(Snapshots, sweep reports). terminal/ holds what talks to the terminal itself: keys, signals,
a dead terminal, the keys' controls, the replay player and the watch loop."""
