"""optagent.benchmarks (see README)."""
