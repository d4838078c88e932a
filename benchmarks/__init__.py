"""Benchmarks (run by hand or with `make bench`; they print results and assert nothing)."""
