"""What the API and the MASH pages share about HTTP: the request's id and log line, the
body limit, problem+json, and recording who read a case. Neither imports the other."""
