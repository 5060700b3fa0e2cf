"""Adapters: implementations of the ports (storage, system) and the HTTP edge."""
