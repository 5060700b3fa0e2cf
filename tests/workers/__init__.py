"""Several worker processes behind one server."""
