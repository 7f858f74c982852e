"""Feature modules: one per user-facing area; each exports COMMANDS and BUTTONS."""
