"""Built-in loaders (registered on import)."""
