"""Repository functions, one module per aggregate; they never commit."""
