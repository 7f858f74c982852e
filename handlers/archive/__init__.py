"""The term's archive as paper: printable XLSX ledgers and DOCX forms (see handlers.exports)."""
