"""Shared fixtures: the xts2 pytest plugin (xts2_core.testing) provides the app fixtures."""
