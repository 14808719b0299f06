"""Loaders, one module per family of file formats."""
