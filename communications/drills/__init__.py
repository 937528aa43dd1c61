"""Drills: a crisis rehearsed from a scenario file, replayed into a sandbox account."""
