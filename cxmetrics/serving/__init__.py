"""How the model reaches readers: the serving snapshot (Parquet versions the app reads
without locking the writer), the pipeline (ingest, model, publish), the demo database
and the application-state database (actions, audit log)."""
