"""Tests of the weekly SRE report."""
