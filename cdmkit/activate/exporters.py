"""Built-in exporters (registered on import)."""
