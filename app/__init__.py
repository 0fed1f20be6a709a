"""Wiring: the composition root and the `chatcrm` command line."""
