"""Pieces every app shares: the error hierarchy, the clock and the system actor."""
