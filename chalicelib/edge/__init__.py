"""edge: (docstring written in a later step)"""
