"""Local stand-ins and the sandbox runner (DynamoDB Local, Twilio REST stand-in, moto server)."""
