"""Database models and sessions of the marketplace."""
