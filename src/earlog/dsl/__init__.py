"""The earlog query language: scenarios and questions in a few readable lines."""
