"""Tests of the load generator's pure parts."""
