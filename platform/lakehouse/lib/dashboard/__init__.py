"""The executive dashboard: figures from the Gold marts (`figures`), drawn as static charts
(`charts`) into one self-contained HTML page and a Markdown preview (`page`). No I/O here."""
