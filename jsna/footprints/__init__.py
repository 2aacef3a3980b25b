"""Custom footprints: named groups of areas whose values are computed from their members'
counts and denominators (issue 12; so far the statistical methods, ``methods``)."""
