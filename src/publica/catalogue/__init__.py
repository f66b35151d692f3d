"""Services and their immutable versions, loaded from service files."""
