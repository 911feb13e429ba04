"""Stage 6, release: the publishable bundle of a year and its byte-for-byte verification."""
