"""Built-in comparators (registered on import)."""
