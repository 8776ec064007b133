"""Test helpers: a webhook collector, a guard that records network access, sample credentials."""
