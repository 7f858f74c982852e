"""Handlers: what people can do, independent of any chat platform."""
