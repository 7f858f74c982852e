"""Benchmarks of 研修助手: updates, district progress, broadcast, footprint (``make bench``)."""
