"""Adapters to the operating system: the wall clock and the CSPRNG."""
