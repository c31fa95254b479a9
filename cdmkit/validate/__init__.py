"""cdmkit.validate (work in progress)."""
