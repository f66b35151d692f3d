"""Users, organisations, departments and roles."""
