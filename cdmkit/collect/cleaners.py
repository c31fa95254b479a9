"""Built-in cleaners (registered on import)."""
