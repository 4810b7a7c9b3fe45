"""Constant-time measurements (issue 16): a dudect-style timing-leak harness over every secret-dependent path.

cases.py names the paths and their two input classes, measure.py times them interleaved at random,
stats.py runs Welch's t-test (raw and over percentile crops), run.py puts them together for one
process and __main__.py runs every configuration (python -m benchmarks.ct, or make ct).
"""
