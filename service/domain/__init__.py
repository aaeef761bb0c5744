"""The domain: pure rules and reference data; imports no web or SQL framework."""
