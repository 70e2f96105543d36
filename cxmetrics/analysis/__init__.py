"""Statistical analyses for the committee's "why did it change" view (pure functions)."""
