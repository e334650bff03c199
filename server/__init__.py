"""Clientele: customer management for small B2B wholesalers and manufacturers."""

__version__ = "0.1.0"
