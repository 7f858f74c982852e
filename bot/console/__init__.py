"""The console sandbox adapter."""
