"""Encryption of the customer archive's sensitive fields: keys, column types, masking and key checks."""
