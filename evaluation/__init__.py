"""optagent.evaluation (see README)."""
