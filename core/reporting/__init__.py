"""Report building blocks shared by the benchmark reports (``optagent.evaluation``) and the SMTT reports
(``optagent.benchmarks.smtt``): Markdown escaping, Markdown rendered to HTML pages and to the terminal, and
plots. A lower layer than both; it imports nothing else of optagent."""
