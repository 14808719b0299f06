"""Single-machine total tardiness (1||ΣT_j): instances, exact solvers, heuristics, evaluation, discovery."""
