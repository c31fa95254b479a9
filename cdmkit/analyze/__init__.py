"""cdmkit.analyze (work in progress)."""
