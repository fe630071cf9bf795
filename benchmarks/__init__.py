"""Reproducible performance measurements. Results are written to ``benchmarks/results/``, never asserted."""
