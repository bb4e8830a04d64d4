"""Bundled demo material: an org data file for the sandbox and configs that match it."""
