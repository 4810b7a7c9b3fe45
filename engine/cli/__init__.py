"""The command line: thin click commands over the library; the only layer that prints."""
