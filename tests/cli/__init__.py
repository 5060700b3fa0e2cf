"""The command line as a user runs it: `python -m composition ...` in a child process."""
