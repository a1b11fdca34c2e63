"""Benchmarks (``make bench``); not part of the application package."""
