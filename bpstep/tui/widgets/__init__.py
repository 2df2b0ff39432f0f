"""One module per widget of the debugger's screen."""
