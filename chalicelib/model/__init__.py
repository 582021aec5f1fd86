"""model: (docstring written in a later step)"""
