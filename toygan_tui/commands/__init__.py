"""What each command does: glue between the core (torch) and the ui (Rich), imported lazily."""
