"""Command-line subcommands, one module each; none imports Textual unless it starts the app."""
