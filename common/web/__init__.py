"""What both controllers share on the HTTP side: the app factory, problem+json rendering, request limits,
security headers, pages and QR codes. Only the controllers' ``api`` packages, ``main`` and ``security``
modules import it: services and the verification pipeline speak in domain types and ``common.errors``."""
