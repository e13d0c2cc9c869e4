"""Neural Execution Engines: bitwise transformers that learn algorithm subroutines, and their data."""
