"""Venue endpoints of the API."""
