"""Views of a Profile: plain text, static HTML and the notebook's mime bundle."""
