"""Files in, events stored: the contract's vocabulary (schema), readers for every format,
row validation, the writer's DuckDB database (store) and the atomic load (load)."""
