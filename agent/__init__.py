"""optagent.agent (see README)."""
