"""Fixtures shared by every test: actors, the MOR token on the fork, amounts."""
