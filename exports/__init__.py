"""PDF, CSV/XLSX and SVG chart exports; no Flask."""
