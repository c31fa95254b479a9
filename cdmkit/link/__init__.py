"""cdmkit.link (work in progress)."""
