"""cdmkit.collect (work in progress)."""
