// End-to-end tests start real servers and hash real passwords (bcrypt cost 12): allow time.
jest.setTimeout(60_000);
