"""Reading uploaded files: decode, detect the format, parse to canonical rows, validate."""
