"""The yearly cycle around the assessment: starting a year, forms for members, collecting them, review, status."""
