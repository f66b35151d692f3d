"""Pages of the exchange: consents and the data tracker (residents), the access audit (staff)."""
