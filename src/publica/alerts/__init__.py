"""Area alerts: residents subscribe to an area and topics; staff publish alerts to them."""
