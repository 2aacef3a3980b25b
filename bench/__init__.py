"""Benchmarks (not tests): make bench runs them all and rewrites bench/RESULTS.md."""
