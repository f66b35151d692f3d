"""The assistant's reads, one module per capability (see `publica.assistant.services`)."""
