"""Benchmarks of the bidbridge API against the machine's floor: `python -m bench.run --help`."""
