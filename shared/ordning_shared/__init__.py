"""Ordning's platform package: the jobs every service needs, done once."""
