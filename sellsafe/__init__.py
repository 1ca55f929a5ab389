"""Sellsafe: a self-hostable Seller Center, safe by default."""

__version__ = "0.1.0"
