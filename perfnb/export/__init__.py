"""Profiles in the formats other tools read: speedscope, Chrome trace, collapsed stacks, pstats."""
