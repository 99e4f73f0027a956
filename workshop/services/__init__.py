"""Business rules as plain functions over the database session.

Views, the JSON API and CLI commands call these; none of them holds a rule of its own.
"""
