"""The employer's door: proof requests, the verification pipeline and reports over REST."""
