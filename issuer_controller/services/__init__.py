"""One function per use case; routes and the webhook handler call these and nothing below them."""
