"""Status lists (W3C Bitstring Status List), index allocation, the chain client and the anchoring worker.

A library: it reads no environment; callers pass its configuration.
"""
