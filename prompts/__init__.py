"""optagent.prompts (see README)."""
