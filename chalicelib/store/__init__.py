"""store: the only code that talks to DynamoDB (and, in files.py, to the media bucket). table.py holds
the table definition, the key of every item family, transactions and paged queries; each family has
its own store (cases, deliveries, outbox, alerts, links, abuse, config), all reached through
stores.Stores. May import chalicelib.model and chalicelib.runtime; never the layers above."""
