"""Workshop endpoints of the API."""
