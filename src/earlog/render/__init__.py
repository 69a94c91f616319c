"""Renderers: verdicts and explanations to text, JSON, Markdown, DOT/SVG."""
