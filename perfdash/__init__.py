"""perfdash: NHS performance-standards dashboard for integrated care systems."""

__version__ = "0.1.0"
