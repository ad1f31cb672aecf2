"""One module per command: what `toygan CMD` does, between the command line (cli/) and the
core and the ui. Imported lazily, so `toygan --help` stays instant."""
