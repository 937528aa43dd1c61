"""The benchmark: seeds a large database and times the incident pages and endpoints."""
