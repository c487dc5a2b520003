"""The gateway's wire contract: body parsing, signing, field rules, the envelope."""
