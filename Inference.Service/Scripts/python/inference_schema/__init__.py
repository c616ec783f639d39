"""Provided by the platform when the environment does not bring the inference-schema package."""
