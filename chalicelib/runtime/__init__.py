"""runtime: what every layer uses while running, at the bottom of the layers. The one clock
(clock.py), the environment (environment.py: settings, secrets, AWS clients; read only by the edge and
here), the dependencies object's shape (dependencies.py), logging (logs.py) and metrics (metrics.py),
languages (language.py), texts and rendering (rendering.py) and the labels of internal codes
(labels.py). Imports nothing else of chalicelib."""
