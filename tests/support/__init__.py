"""Helpers the tests share: a webhook collector, a guard that records any network access, sample credentials."""
