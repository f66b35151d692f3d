"""Procurement: tenders, awards and contracts, published as Open Contracting Data Standard 1.1."""
