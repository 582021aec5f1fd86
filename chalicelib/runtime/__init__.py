"""runtime: (docstring written in a later step)"""
