"""The project's tests; a package, so that they can share helper modules."""
