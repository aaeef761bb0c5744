"""Case transfer service: the record of who is responsible for a child in need's case."""
