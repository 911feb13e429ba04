"""Civic Infrastructure Assessment Kit: score, execute and publish a network's yearly assessment."""

__version__ = "0.1.0"
