"""cdmkit.activate (work in progress)."""
