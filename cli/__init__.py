"""The escalade command line (click)."""
