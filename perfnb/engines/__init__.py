"""Engines: each measures one aspect of a run and writes its part of the Profile."""
