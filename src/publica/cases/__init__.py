"""Cases, their append-only timeline, the workflow engine, automation and SLA clocks."""
