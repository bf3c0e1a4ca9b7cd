"""Studies: specialisations of one pipeline (comparison, robustness, tournament, design)."""
