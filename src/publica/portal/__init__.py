"""The citizen portal and the staff back office: server-rendered pages that work without JS."""
