"""Built-in clustering (registered on import)."""
