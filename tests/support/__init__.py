"""Test support: builders of test data and helpers for each channel."""
