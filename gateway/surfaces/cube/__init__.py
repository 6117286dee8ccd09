"""A Cube-compatible REST API (`/cubejs-api/v1/meta`, `/cubejs-api/v1/load`) over the same
GraphQL answers: one cube per module and app kind, its metrics as measures."""
