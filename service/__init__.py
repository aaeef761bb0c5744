"""Case transfer service: the authoritative record of who is responsible for a child-in-need case."""
