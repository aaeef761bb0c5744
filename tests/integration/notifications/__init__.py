"""The notifications package against real stores."""
