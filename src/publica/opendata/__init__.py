"""Open data: published datasets, the CKAN-compatible Action API and the DCAT-AP catalogue."""
