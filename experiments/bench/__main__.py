"""``python -m experiments.bench`` (see the package docstring)."""

from experiments.bench.cli import main

if __name__ == "__main__":
    main()
