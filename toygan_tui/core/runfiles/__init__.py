"""The run files, read and written without torch: runs/ and each run's config.json,
metrics.jsonl, status.json and frames (watch, runs, plot and replay import only this side).
Snapshot, the report every front end reads, lives here too. core/runfiles/ruff.toml keeps
torch out."""
