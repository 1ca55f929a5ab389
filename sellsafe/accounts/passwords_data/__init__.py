"""Data files for the password policy (see NOTICE.txt for their origin and licence)."""
