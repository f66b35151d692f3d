"""REST API v1: django-ninja with pydantic schemas, OpenAPI 3.1, API-key auth."""
