"""The one exception family the command line turns into one line on stderr and exit code 2."""


class InputError(ValueError):
    """Bad input (an option, a value, a file) the user can fix; str(exc) is the whole message."""
