"""``make bench``: load and scaling measurements of the real server (see README.md)."""
