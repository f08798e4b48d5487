"""Benchmarks run by hand (`python -m bench.<name>`); never imported by tests/ nor part of `make test`."""
