"""The chain-facing library of revocation and trust: bitstrings and Bitstring Status List credentials, the
chain client, the StatusRegistry and IssuerRegistry contracts (reads, writes, EIP-712 delegation,
deployment) and accreditation history.

A library: it reads no environment, keeps no database and imports no controller; callers pass its
configuration. What needs the issuer's database stays in the issuer controller's services: status index
allocation (``status_index``, rows and locks in its database), the lists' building and publishing
(``status_lists``) and the anchoring worker (``anchoring``, a queue of changes in its database). They call
this library for everything that touches the chain or the list format, so a verifier reads lists with the
same code the issuer writes them with.
"""
