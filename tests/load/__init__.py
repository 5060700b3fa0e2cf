"""The load scenarios, run tiny against live servers so that a broken script fails CI."""
