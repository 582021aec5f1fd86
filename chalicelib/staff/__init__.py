"""staff: (docstring written in a later step)"""
