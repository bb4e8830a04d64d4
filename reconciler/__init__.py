"""Datadog Error Tracking triage as code: plan and apply issue state and ownership."""

__version__ = "0.1.0"
