"""The ``optagent`` command line."""
