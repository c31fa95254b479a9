"""cdmkit.segment (work in progress)."""
