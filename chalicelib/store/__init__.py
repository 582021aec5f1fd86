"""store: (docstring written in a later step)"""
