"""The weekly probability report: its data, its Markdown and HTML, and its charts."""
