"""Built-in gates, one module per obstacle class; registered through the plugin hooks."""
