"""Analyses of a study's tidy frames (experiments x outcomes), usable by any study:
`statistics` (means, CIs, paired differences vs a baseline, ROI, the ranked table) and `fdr`
(Benjamini–Hochberg over policy-vs-baseline tests)."""
