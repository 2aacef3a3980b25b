"""The offline sample API: synthetic data of the real Fingertips shape, served over HTTP."""
