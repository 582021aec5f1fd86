"""intake: (docstring written in a later step)"""
