"""The benchmark (see bench/README.md) and its corpus generator."""
