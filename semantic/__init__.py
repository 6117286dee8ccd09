"""minis semantic layer: YAML metric definitions, validation and the sqlglot compiler."""
