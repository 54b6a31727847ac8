"""Batch scoring of target-company lists: read, score with checkpoints, write."""
