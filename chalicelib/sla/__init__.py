"""sla: (docstring written in a later step)"""
