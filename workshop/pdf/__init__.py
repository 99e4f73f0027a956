"""PDF rendering: Sarabun fonts and Thai typesetting for tickets, certificates and reports."""
