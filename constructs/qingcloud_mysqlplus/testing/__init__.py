"""Private database servers for the tests and the demo."""
