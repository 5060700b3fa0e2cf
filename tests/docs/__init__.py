"""The README's examples, run as written against a live server."""
