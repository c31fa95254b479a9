"""Built-in rules (registered on import)."""
