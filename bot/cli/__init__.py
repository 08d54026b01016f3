"""The intake-bot command line and the terminal demo."""
