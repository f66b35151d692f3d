"""Open311 GeoReport v2 over the catalogue and cases, in JSON and XML."""
