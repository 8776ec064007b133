"""The institution's door: templates, offers, bulk issuance, revocation and stacking over REST."""
