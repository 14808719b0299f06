"""Benchmark datasets: the registry, loaders for the original files, answer normalisation, replays."""
