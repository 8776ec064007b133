-- The controllers' databases (askar makes its wallet databases itself, with the same account).
CREATE DATABASE mcred_issuer;
CREATE DATABASE mcred_verifier;
