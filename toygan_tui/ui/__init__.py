"""The terminal front end: Rich and plotext. Knows nothing of torch or typer; reads Snapshots."""
