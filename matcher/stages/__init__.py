"""The stages a query passes through, in order: read → signals → score → explain (one file each)."""
