"""Scenarios: YAML data that decides each call's answer, callbacks and faults."""
