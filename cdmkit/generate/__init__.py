"""cdmkit.generate (work in progress)."""
