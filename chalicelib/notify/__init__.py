"""notify: (docstring written in a later step)"""
