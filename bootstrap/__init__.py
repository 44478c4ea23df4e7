"""Composition root: settings, containers, the app and the command line."""
