"""minis gateway: HTTP + GraphQL over the semantic model, the database, and the CLI."""
