"""Thai conventions: Buddhist-Era dates, the fiscal year, names."""
