"""Publica: the open-source platform public bodies run their services on."""

__version__ = "0.1.0"
