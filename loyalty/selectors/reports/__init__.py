"""Read-only numbers behind the owner's reports, one small module per theme."""
