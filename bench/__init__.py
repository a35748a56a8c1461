"""The benchmarks: scripts run from the repository root (`python bench/NAME.py`), JSON out."""
