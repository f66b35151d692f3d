"""The CKAN Action API (v3), so CKAN clients and harvesters read Publica's datasets unchanged."""
